"""``keras-gans evaluate MODEL``: FID, KID, Inception score, improved precision and recall, density and coverage
and the memorisation check of a trained generator
(a ``.keras`` file or a SavedModel) against a real dataset; prints the table and writes it as CSV and markdown.
(``keras-gans evaluate dtn`` is :mod:`keras_gans.cli.dtn`'s.)"""

import os

import pandas as pd

from keras_gans import datasets
from keras_gans.cli.errors import user_input
from keras_gans.cli.gan import Sampler
from keras_gans.cli.loading import load
from keras_gans.evaluation.metrics import classifier_logits, evaluate_samples, get_extractor, inception_logits
from keras_gans.evaluation.metrics.evaluation import METRIC_NAMES, balanced_labels, parse_metric_names
from keras_gans.evaluation.metrics.precision_recall import (DENSITY_COVERAGE_K, PRECISION_RECALL_K, check_sizes,
                                                            knn_ks)
from keras_gans.evaluation.results import to_markdown, write_table


def add_arguments(p):
    """The arguments of ``evaluate MODEL``."""
    p.add_argument("model", help="MODEL.keras or a SavedModel folder")
    p.add_argument("--metrics", default="fid,kid", help=f"comma-separated: {', '.join(METRIC_NAMES)}")
    p.add_argument("--num-samples", type=int, default=10000, help="generated images (default 10000)")
    p.add_argument("--dataset", default="fashion_mnist", help="the real images (a keras_gans.datasets name)")
    p.add_argument("--split", default="test", help="split of --dataset (default test)")
    p.add_argument("--num-real", type=int, default=None, help="use the first N real images (default all)")
    p.add_argument("--train-dataset", default="embedded",
                   help="training images for the memorisation check (default: the embedded subset the CLI trains on)")
    p.add_argument("--image-size", type=int, default=None, help="resize the real images to S x S")
    p.add_argument("--extractor", default="classifier",
                   help="'classifier' (shipped Fashion-MNIST classifier), 'inception', or a .keras classifier path")
    p.add_argument("--feature-layer", default="features", help="classifier layer whose output are the features")
    p.add_argument("--kid-subsets", type=int, default=100)
    p.add_argument("--kid-subset-size", type=int, default=1000)
    p.add_argument("--precision-recall-k", type=int, default=PRECISION_RECALL_K,
                   help=f"k of the k-NN balls of precision and recall "
                        f"(default {PRECISION_RECALL_K}, Kynkaanniemi et al. 2019)")
    p.add_argument("--density-coverage-k", type=int, default=DENSITY_COVERAGE_K,
                   help=f"k of the k-NN balls of density and coverage (default {DENSITY_COVERAGE_K}, Naeem et al. 2020)")
    p.add_argument("--batch-size", type=int, default=200)
    p.add_argument("--seed", type=int, default=0, help="seed of the generated samples")
    p.add_argument("--out", default=None,
                   help="output stem: writes OUT.csv, OUT.md (and OUT_memorization.png); "
                        "default evaluation next to a .keras model, ./evaluation for a SavedModel")
    p.set_defaults(func=cmd_evaluate)


def evaluate_model(model_path, metrics=("fid", "kid"), num_samples=10000, dataset="fashion_mnist", split="test",
                   num_real=None, train_dataset="embedded", image_size=None, extractor="classifier",
                   feature_layer="features", kid_subsets=100, kid_subset_size=1000, batch_size=200, seed=0,
                   memorization_png=None, precision_recall_k=PRECISION_RECALL_K, density_coverage_k=DENSITY_COVERAGE_K):
    """The table rows of ``keras-gans evaluate`` (see :func:`keras_gans.evaluation.metrics.evaluate_samples`);
    a conditional model generates balanced labels."""
    sample = Sampler(load(model_path), model_path)
    metrics = parse_metric_names(metrics)
    for name, value in (("--num-samples", num_samples), ("--num-real", num_real), ("--batch-size", batch_size)):
        if value is not None and value < 2:
            raise ValueError(f"{name} must be >= 2, got {value}")
    for name, value in (("--precision-recall-k", precision_recall_k), ("--density-coverage-k", density_coverage_k)):
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    ks = knn_ks(metrics, precision_recall_k, density_coverage_k)
    real, _, info = datasets.load_arrays(dataset, split=split, image_size=image_size)
    real = real[:num_real] if num_real else real
    check_sizes(ks, len(real), num_samples)  # before sampling: a k too large for the sets
    extractor_spec = None if extractor == "classifier" else extractor
    feats = get_extractor(extractor_spec, feature_layer)
    logits = None
    if "is" in metrics:
        logits = inception_logits() if extractor == "inception" else classifier_logits(extractor_spec)
    train = None
    if "memorization" in metrics:
        train = datasets.load_arrays(train_dataset, split="train", image_size=image_size)[0]
    labels = balanced_labels(num_samples, info.get("num_classes") or 10) if sample.conditional else None
    generated = sample(num_samples, seed, labels)
    rows = evaluate_samples(generated, real, metrics, feats, logits=logits, train=train,
                            memorization_png=memorization_png, batch_size=batch_size, kid_subsets=kid_subsets,
                            kid_subset_size=kid_subset_size, seed=seed, precision_recall_k=precision_recall_k,
                            density_coverage_k=density_coverage_k)
    for row in rows:
        row["real"] = f"{info['name']}:{split}"
    return rows


def cmd_evaluate(args):
    stem = args.out
    if stem is None:
        stem = (os.path.join(os.path.dirname(os.path.abspath(args.model)), "evaluation")
                if args.model.endswith(".keras") else "evaluation")
    with user_input():  # the metric names, sizes, datasets and extractor
        rows = evaluate_model(args.model, args.metrics, args.num_samples, args.dataset, args.split, args.num_real,
                              args.train_dataset, args.image_size, args.extractor, args.feature_layer,
                              args.kid_subsets, args.kid_subset_size, args.batch_size, args.seed,
                              memorization_png=f"{stem}_memorization.png", precision_recall_k=args.precision_recall_k,
                              density_coverage_k=args.density_coverage_k)
    table = pd.DataFrame(rows)
    print(to_markdown(table), end="")
    csv, md = write_table(table, stem)
    print(f"keras-gans: wrote {csv} and {md}")
    return 0
