"""Throughput of the FID/KID feature extractors (images per second),
``python scripts/benchmarks/benchmark.py metrics``.

Extractors: the shipped Fashion-MNIST classifier (28x28x1 in, 128-d ``features``) and InceptionV3
(299x299x3 in, 2048-d pool features) with random weights - its ImageNet weights cannot be
downloaded here, and the weights do not change the amount of computation. Both take 28x28x1
images in [-1, 1]; the time includes the resize to the network's input (and grey -> RGB for
InceptionV3), i.e. what ``FeatureExtractor.extract`` does. Also timed: the Fréchet distance from
two sets of 10000 features (its eigendecompositions) and KID (``--kid-subsets`` subsets of 1000;
the time is linear in the number of subsets) for each feature size.

Each extractor: one warm-up pass, then the median of ``--repeat`` timed passes over ``--num``
images; FID and KID: one timed call each. Results:
scripts/benchmarks/results/metrics.md and .csv.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).with_name("results")  # scripts/benchmarks/results


def _time(fn, repeat, warmup=True):
    if warmup:
        fn()  # tracing, allocation
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num", type=int, default=2000, help="images per timed pass (classifier)")
    parser.add_argument("--num-inception", type=int, default=128, help="images per timed pass (InceptionV3)")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--inception-batch-size", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--kid-subsets", type=int, default=10, help="KID subsets timed (the metric's default is 100)")
    parser.add_argument("--classifier", default=None, help="a .keras classifier (default: the shipped one)")
    parser.add_argument("--out", default=str(RESULTS / "metrics"))
    args = parser.parse_args(argv)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import pandas as pd
    import tensorflow as tf

    from keras_gans.evaluation.results import write_table
    from keras_gans.evaluation.metrics import classifier_features, inception_features
    from keras_gans.evaluation.metrics.frechet import fid_from_features
    from keras_gans.evaluation.metrics.kid import kid_from_features

    rng = np.random.default_rng(0)
    rows = []
    load = os.getloadavg()[0]
    for extractor, num, batch in ((classifier_features(args.classifier), args.num, args.batch_size),
                                  (inception_features(weights=None), args.num_inception, args.inception_batch_size)):
        images = rng.uniform(-1, 1, size=(num, 28, 28, 1)).astype("float32")
        seconds, times = _time(lambda: extractor.extract(images, batch), args.repeat)
        rows.append({"what": f"features: {extractor.name}", "input": f"28x28x1 -> {extractor.input_shape}",
                     "batch": batch, "images": num, "images_per_s": num / seconds, "seconds": seconds,
                     "notes": f"{extractor.feature_dim}-d; passes {', '.join(f'{t:.2f}' for t in times)} s"})
        d = extractor.feature_dim
        a, b = rng.normal(size=(10000, d)), rng.normal(size=(10000, d)) + 0.1
        seconds, _ = _time(lambda: fid_from_features(a, b), 1, warmup=False)
        rows.append({"what": f"FID from 10000 + 10000 features ({d}-d)", "input": "", "batch": None, "images": 20000,
                     "images_per_s": 20000 / seconds, "seconds": seconds, "notes": "float64 sums + 2 eigh"})
        seconds, _ = _time(lambda: kid_from_features(a, b, args.kid_subsets, 1000), 1, warmup=False)
        rows.append({"what": f"KID {args.kid_subsets} subsets of 1000 ({d}-d)", "input": "", "batch": None,
                     "images": 2000 * args.kid_subsets, "images_per_s": 2000 * args.kid_subsets / seconds,
                     "seconds": seconds, "notes": f"float64; {seconds / args.kid_subsets:.2f} s per subset"})
        print(pd.DataFrame(rows[-3:]).to_string(index=False), flush=True)
    table = pd.DataFrame(rows)
    header = (f"TF {tf.__version__}, {os.cpu_count()} CPUs, load average {load:.1f} at the start "
              f"(machine shared with other work), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n")
    csv, md = write_table(table, args.out)
    Path(md).write_text(header + Path(md).read_text())
    print(Path(md).read_text())
    print(f"wrote {csv} and {md}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
