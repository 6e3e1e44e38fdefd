"""Semantic inpainting (Yeh et al. 2016) vs two baselines on Fashion-MNIST test images.

Usage::

    keras-gans train dcgan --out RUN          # the CLI's defaults: 5 epochs on the embedded 6000 images
    python scripts/benchmarks/benchmark.py inpainting --model RUN/model.keras [--num 128] [--mask center]

For the first ``--num`` Fashion-MNIST *test* images and one mask, the mean absolute error over the
missing pixels (in [-1, 1] units; 1.0 = 127.5 grey levels) of:

- ours, Poisson blending (the default) and plain paste of the same ``G(ẑ)``;
- mean colour fill: each image's hole filled with the mean of its own known pixels;
- nearest neighbour: the hole copied from the training image (the 6000 embedded images the DCGAN
  was trained on) closest in L2 on the known pixels;
- oracle (the generator's upper bound, not a method): ``ẑ`` fitted to the *whole* image (GAN
  inversion, L1, same iterations and learning rate), ``G(ẑ)`` pasted into the hole.

Writes ``scripts/benchmarks/results/inpainting.{md,csv}`` and the figure ``docs/inpainting.png``
(rows: masked input, our fill, nearest-neighbour fill, ground truth).
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent  # scripts/benchmarks
ROOT = HERE.parents[1]


def parse_args(argv):
    p = argparse.ArgumentParser(prog="benchmark.py inpainting", description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True, help="a DCGAN .keras file (keras-gans train dcgan)")
    p.add_argument("--num", type=int, default=128, help="test images")
    p.add_argument("--mask", default="center")
    p.add_argument("--iterations", type=int, default=1000)
    p.add_argument("--lam", type=float, default=0.1)
    p.add_argument("--restarts", type=int, default=1)
    p.add_argument("--z-clip", type=float, default=1.0)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--figure", default=str(ROOT / "docs" / "inpainting.png"))
    p.add_argument("--tag", default="", help="suffix of the result files (several settings side by side)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)  # before the imports, so that --help needs no TensorFlow
    import pandas as pd

    sys.path.insert(0, str(ROOT))
    from keras_gans.datasets import load_embedded, load_fashion_mnist, scale_images
    from keras_gans.serving.images import make_grid, save_png
    from keras_gans.latent import common
    from keras_gans.latent.inpainting import hole_mae, inpaint, mean_fill, nearest_neighbour_fill
    from keras_gans.latent.inversion import invert
    from keras_gans.latent.masks import check_masks, make_mask

    import keras

    model = common.check_model(keras.models.load_model(args.model))
    test, _ = load_fashion_mnist("test")
    test = scale_images(test[: args.num])
    test = test[..., None] if test.ndim == 3 else test
    train = scale_images(load_embedded()[0])
    mask = make_mask(args.mask, test.shape[1:], seed=0)
    m = check_masks(mask, len(test), test.shape[1:])

    rows, fills = [], {}

    def add(method, filled, seconds=None):
        errors = hole_mae(filled, test, mask)
        rows.append({"method": method, "hole_mae": float(errors.mean()), "std": float(errors.std()),
                     "seconds": seconds})
        fills[method] = filled
        print(f"{method}: {errors.mean():.4f}", flush=True)

    add("mean colour fill", mean_fill(test, mask))
    add("nearest neighbour (6000 training images)", nearest_neighbour_fill(test, mask, train))
    settings = dict(iterations=args.iterations, perceptual_weight=args.lam, restarts=args.restarts,
                    z_clip=args.z_clip, batch_size=args.batch_size)
    start = time.time()
    result = inpaint(model, test, mask, **settings)
    seconds = time.time() - start
    add("ours, Poisson blending", result.filled, seconds)
    add("ours, paste", m * test + (1 - m) * result.generated, seconds)

    # the generator's upper bound: GAN inversion of the whole image (every pixel known), pasted
    oracle = invert(model, test, iterations=args.iterations, learning_rate=0.01, restarts=args.restarts,
                    pixel_loss="l1", z_clip=args.z_clip, batch_size=args.batch_size)
    add("oracle: ẑ fitted to the whole image (not a method)", m * test + (1 - m) * oracle.reconstructions)

    out = HERE / "results"
    out.mkdir(parents=True, exist_ok=True)
    name = f"inpainting{args.tag}"
    frame = pd.DataFrame(rows)
    frame.to_csv(out / f"{name}.csv", index=False)
    settings_text = ", ".join(f"{k}={v}" for k, v in settings.items())
    table = ["| method | hole MAE | std over images |", "|---|---|---|"]
    table += [f"| {r['method']} | {r['hole_mae']:.4f} | {r['std']:.4f} |" for r in rows]
    (out / f"{name}.md").write_text(
        f"# Inpainting, {args.num} Fashion-MNIST test images, mask {args.mask}\n\n"
        f"Model {os.path.join(*Path(args.model).resolve().parts[-2:])}; {settings_text}; ours took {seconds:.0f} s on a shared 2-core CPU.\n"
        "Hole MAE: mean absolute error over the missing pixels, [-1, 1] units.\n\n" + "\n".join(table) + "\n")
    if args.figure:
        k = 8
        masked = np.where(m[:k] > 0, test[:k], -1.0)
        picture = np.concatenate([masked, fills["ours, Poisson blending"][:k],
                                  fills["nearest neighbour (6000 training images)"][:k], test[:k]])
        grid = make_grid(picture, cols=k)
        save_png(np.repeat(np.repeat(grid, 3, axis=0), 3, axis=1), args.figure)  # 3x, nearest
    print(frame.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
