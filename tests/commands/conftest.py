"""The latent-tool tests' small trained DCGAN, saved as a .keras file for the commands."""

import pytest

from tests.latent.conftest import TRAIN, trained_tiny_dcgan


@pytest.fixture(scope="session")
def saved_tiny_dcgan(fashion, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("latent") / "tiny.keras")
    trained_tiny_dcgan(fashion).save(path)
    return path


@pytest.fixture(scope="session")
def held_out(fashion):
    return fashion[0][TRAIN:]
