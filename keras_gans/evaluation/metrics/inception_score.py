"""Inception score (Salimans et al. 2016, "Improved Techniques for Training GANs").

    IS = exp(E_x KL(p(y|x) || p(y)))

computed from classifier logits over ``splits`` equal parts of the samples (10 in the paper's
code), reporting the mean and standard deviation over the parts. Uniform predictions give 1, a
confident classifier on samples spread evenly over K classes gives K. With InceptionV3's ImageNet
logits it is the paper's score; with the shipped Fashion-MNIST classifier's logits it measures the
same thing on the 10 Fashion-MNIST classes (not comparable with published Inception scores).
"""

import numpy as np
from scipy.special import log_softmax, logsumexp


def inception_score_from_logits(logits, splits=10):
    """``(mean, std)`` of the Inception score over ``splits`` parts of ``[N, K]`` logits."""
    logits = np.asarray(logits, np.float64)
    if logits.ndim != 2 or logits.shape[1] < 2:
        raise ValueError(f"the Inception score needs [N, K] logits with K >= 2, got shape {logits.shape}")
    if int(splits) < 1 or len(logits) < splits:
        raise ValueError(f"{len(logits)} samples cannot be cut into splits={splits} parts")
    scores = []
    for part in np.array_split(logits, int(splits)):
        log_p = log_softmax(part, axis=1)                       # log p(y|x)
        log_py = logsumexp(log_p, axis=0) - np.log(len(part))   # log p(y), the part's marginal
        kl = np.sum(np.exp(log_p) * (log_p - log_py), axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


def inception_score(images, classifier=None, splits=10, batch_size=200):
    """``(mean, std)`` Inception score of images under ``classifier`` (a logits extractor; default
    the shipped Fashion-MNIST classifier's logits, ``"inception"`` for InceptionV3's)."""
    from keras_gans.evaluation.metrics.features import FeatureExtractor, classifier_logits, inception_logits

    if classifier == "inception":
        classifier = inception_logits()
    elif not isinstance(classifier, FeatureExtractor):
        classifier = classifier_logits(classifier)
    return inception_score_from_logits(classifier.extract(images, batch_size), splits)
