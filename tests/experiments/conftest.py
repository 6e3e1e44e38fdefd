"""The tiny classifier fixtures of tests/metrics."""

from tests.metrics.conftest import tiny_classifier, tiny_extractor  # noqa: F401
