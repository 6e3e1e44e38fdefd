"""The Domain Transfer Network's evaluation (Taigman, Polyak & Wolf 2016, Section 5.1).

- **Transfer accuracy** (Table 2): a classifier trained on the *target* domain's labels labels
  G(x) for the source test images x; the fraction that gets x's own class. Paper, SVHN -> MNIST:
  90.66 %; 13.71 % for an untrained G (the baseline).
- **Domain adaptation** (Table 3): a classifier trained on G(source train images) with the
  source labels, tested on the real target test set. Paper: 84.44 %.

Both classifiers have the architecture of f plus a linear layer
(:func:`keras_gans.networks.build_dtn_classifier`), trained with Adam and cross-entropy on logits.
"""

import keras
import numpy as np

from keras_gans.core.images import scale_images, to_uint8
from keras_gans.datasets.pipeline import check_images, check_labels, make_dataset
from keras_gans.networks.dtn import build_dtn_classifier
from keras_gans.kernels import FusedAdam


def train_classifier(images, labels, num_classes=10, epochs=5, batch_size=128, filters=64, representation_dim=128,
                     learning_rate=1e-3, seed=0, verbose=0, validation=None):
    """A classifier (f + linear layer) fitted on uint8 ``images`` and int ``labels``.

    ``validation``: optional ``(images, labels)`` whose accuracy is reported per epoch.
    Returns the trained ``keras.Model`` (logits out; ``get_layer("f")`` is the representation).
    """
    images = check_images(images)
    if labels is None:
        raise ValueError("training a classifier needs labels for its images")
    labels = check_labels(labels, len(images))
    keras.utils.set_random_seed(seed)
    model = build_dtn_classifier(images.shape[1:], num_classes, filters, representation_dim)
    model.compile(optimizer=FusedAdam(learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    data = make_dataset(images, labels, batch_size=min(batch_size, len(images)), seed=seed)
    val = None
    if validation is not None:
        val = make_dataset(*validation, batch_size=256, shuffle=False, drop_remainder=False)
    model.fit(data, epochs=epochs, validation_data=val, verbose=verbose)
    return model


def classifier_accuracy(classifier, images, labels, batch_size=256):
    """Fraction of ``images`` (uint8, or float in [-1, 1]) that ``classifier`` labels as ``labels``."""
    if labels is None:
        raise ValueError("accuracy needs the images' labels")
    images = np.asarray(images)
    if images.dtype == np.uint8:
        images = scale_images(images)
    labels = np.asarray(labels).reshape(-1)
    if len(labels) != len(images):
        raise ValueError(f"{len(labels)} labels for {len(images)} images")
    expected = tuple(classifier.inputs[0].shape[1:])
    if tuple(images.shape[1:]) != expected:
        raise ValueError(f"the classifier takes images of shape {expected}, got {tuple(images.shape[1:])}")
    logits = classifier.predict(images, batch_size=batch_size, verbose=0)
    return float(np.mean(np.argmax(logits, axis=-1) == labels))


def untrained_copy(model, seed=0):
    """The same DTN (same frozen f, same settings) with a freshly initialised g: the paper's baseline."""
    keras.utils.set_random_seed(seed)
    config = model.get_config()
    config.pop("generator"), config.pop("discriminator")
    config["encoder"] = model.encoder
    return type(model).from_config(config)


def evaluate_dtn(model, target_classifier, source_test, source_test_labels, source_train=None,
                 source_train_labels=None, target_test=None, target_test_labels=None, epochs=5, batch_size=128,
                 seed=0):
    """``{"transfer_accuracy", "domain_adaptation_accuracy"}`` of a DTN, as in the paper.

    ``transfer_accuracy`` needs the source test images and labels and a target-domain classifier;
    ``domain_adaptation_accuracy`` (``None`` when its data is not given) needs the source train
    images and labels and the target test images and labels: a classifier is trained on
    G(source train) for ``epochs`` and tested on the real target test set.
    """
    if source_test_labels is None:
        raise ValueError("the transfer accuracy needs the source test images' labels")
    results = {"transfer_accuracy": classifier_accuracy(target_classifier, model.translate(source_test),
                                                        source_test_labels),
               "domain_adaptation_accuracy": None}
    wants_da = source_train is not None or target_test is not None
    if wants_da:
        missing = [name for name, value in (("source_train", source_train),
                                            ("source_train_labels", source_train_labels),
                                            ("target_test", target_test),
                                            ("target_test_labels", target_test_labels)) if value is None]
        if missing:
            raise ValueError(f"the domain-adaptation accuracy needs {', '.join(missing)}")
        translated = to_uint8(model.translate(source_train))
        classifier = train_classifier(translated, source_train_labels, epochs=epochs, batch_size=batch_size,
                                      filters=_filters(target_classifier), seed=seed)
        results["domain_adaptation_accuracy"] = classifier_accuracy(classifier, target_test, target_test_labels)
    return results


def _filters(classifier):
    """The width ``filters`` a :func:`build_dtn_classifier` model was built with."""
    try:
        return int(classifier.get_layer("f").get_layer("block0_conv").filters)
    except (ValueError, AttributeError):
        return 64
