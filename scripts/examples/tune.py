"""A small keras-tuner search on Fashion-MNIST with the ``val_fid`` objective.

    python scripts/examples/tune.py dcgan --trials 4 --epochs 2 --out tuning/dcgan

Trains each trial on the embedded 6000-image subset (``--dataset``), validates on the first
``--num-val`` Fashion-MNIST test images with FID on the shipped classifier's features, and writes
the trials (hyperparameters + best val_fid) as ``OUT/trials.csv`` and ``.md``, best first.
"""

import argparse
import os
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a keras_gans.models.MODELS name: gan, dcgan, wgan, wgan_gp, cgan")
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--dataset", default="embedded")
    parser.add_argument("--num-val", type=int, default=1000)
    parser.add_argument("--objective", default="val_fid", choices=("val_fid", "val_kid"))
    parser.add_argument("--widths", default="32,64", help="comma-separated width choices")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--toolbox", action="store_true",
                        help="also search augment / ema_decay / r1_gamma / spectral_norm where the model takes them")
    parser.add_argument("--out", default=None, help="tuner folder (default tuning/MODEL)")
    args = parser.parse_args(argv)

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras_tuner as kt
    import pandas as pd

    from keras_gans import datasets
    from keras_gans.evaluation.results import write_table
    from keras_gans.evaluation.tuning import HYPERMODELS
    from keras_gans.evaluation.metrics import FID, KID

    if args.model not in HYPERMODELS:
        raise SystemExit(f"unknown model {args.model!r}; expected one of {sorted(HYPERMODELS)}")
    out = args.out or os.path.join("tuning", args.model)
    train, train_labels, info = datasets.load_arrays(args.dataset)
    val, val_labels, _ = datasets.load_arrays("fashion_mnist", split="test")
    val, val_labels = val[: args.num_val], val_labels[: args.num_val]
    metric = (lambda: [FID()]) if args.objective == "val_fid" else (lambda: [KID(max_samples=args.num_val)])
    hypermodel = HYPERMODELS[args.model](image_shape=info["image_shape"], num_classes=info["num_classes"]
                                         if args.model == "cgan" else None,
                                         widths=[int(w) for w in args.widths.split(",")], batch_size=args.batch_size,
                                         metrics=metric, toolbox=args.toolbox)
    tuner = kt.RandomSearch(hypermodel, objective=kt.Objective(args.objective, "min"), max_trials=args.trials,
                            seed=args.seed, directory=os.path.dirname(os.path.abspath(out)),
                            project_name=os.path.basename(out))
    tuner.search(train, y=train_labels, validation_data=(val, val_labels), epochs=args.epochs, seed=args.seed,
                 verbose=2)
    rows = [{"trial": t.trial_id, args.objective: t.score, **t.hyperparameters.values}
            for t in tuner.oracle.get_best_trials(args.trials)]
    csv, md = write_table(pd.DataFrame(rows), os.path.join(out, "trials"))
    print(open(md).read())
    print(f"wrote {csv} and {md}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
