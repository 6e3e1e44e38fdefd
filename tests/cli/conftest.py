"""Fixtures of the command tests: the latent tools' small trained DCGAN, tests/evaluation's tiny classifier."""

import pytest

from tests.latent.conftest import TRAIN, trained_tiny_dcgan
from tests.evaluation.conftest import tiny_classifier, tiny_extractor  # noqa: F401


@pytest.fixture(scope="session")
def saved_tiny_dcgan(fashion, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("latent") / "tiny.keras")
    trained_tiny_dcgan(fashion).save(path)
    return path


@pytest.fixture(scope="session")
def held_out(fashion):
    return fashion[0][TRAIN:]
