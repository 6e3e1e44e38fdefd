"""Packaging: a non-editable install has everything the library reads at run time (issue 18: the default
FID/KID classifier was looked up beside the source tree, so only an editable install could evaluate).
The full installed scenario (fresh virtual environment, run from outside the repository) is
``scripts/ci/smoke_installed.sh``, which ``.ci/run`` runs."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "keras_gans"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    pytest.importorskip("setuptools", reason="builds the wheel offline with this environment's setuptools")
    out = tmp_path_factory.mktemp("wheel")
    # built from a private copy: setuptools works in <source>/build, which two xdist workers (each running this
    # module fixture) or a developer's own build would otherwise share; a shared one failed CI with ENOENT
    source = tmp_path_factory.mktemp("source")
    for name in ("setup.py", "MANIFEST.in", "README.md", "keras_gans_launcher.py"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(PACKAGE, source / "keras_gans", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
                           "--quiet", "-w", str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (path,) = out.glob("keras_gans-*.whl")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        return names, archive.read(entry_points).decode()


def test_every_file_of_the_package_is_in_the_wheel(wheel):
    """Data next to the code (the embedded subset, the shipped classifier, ...) ships with it."""
    names, _ = wheel
    ours = {p.relative_to(REPO).as_posix() for p in PACKAGE.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    assert ours - set(names) == set()
    assert {"keras_gans/evaluation/data/fashion_mnist_classifier.keras",
            "keras_gans/datasets/data/fashion_mnist_subset.npz", "keras_gans_launcher.py"} <= set(names)


def test_the_console_script_is_the_launcher(wheel):
    _, entry_points = wheel
    assert "keras-gans = keras_gans_launcher:main" in entry_points


def test_the_library_reads_nothing_beside_its_package():
    """Paths computed upward from a module (``Path(__file__).parents[N]`` out of keras_gans/) only exist in a
    source checkout."""
    for path in PACKAGE.rglob("*.py"):
        depth = len(path.relative_to(PACKAGE).parts)  # parents[depth - 1] is keras_gans/ itself
        text = path.read_text()
        for n in range(depth, depth + 4):
            assert f"parents[{n}]" not in text, f"{path.relative_to(REPO)} looks outside the package"
