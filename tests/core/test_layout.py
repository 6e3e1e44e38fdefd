"""The import arrows of core and of the noise -> image models (CONVENTIONS: cli -> models -> core -> layers)."""

import ast
from pathlib import Path

import pytest

import keras_gans

PACKAGE = Path(keras_gans.__file__).parent
CORE = sorted((PACKAGE / "core").glob("*.py"))
NOISE_TO_IMAGE_MODELS = [PACKAGE / "models" / f"{name}.py"
                         for name in ("gan", "dcgan", "cgan", "wgan", "wgan_gp", "ebgan", "began", "ali")]


def imports(path):
    """``(module, names)`` of every import statement in ``path`` (at any depth: lazy imports count)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from ((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.module or "", [alias.name for alias in node.names]


def test_core_package_init_imports_nothing():
    assert list(imports(PACKAGE / "core" / "__init__.py")) == []


@pytest.mark.parametrize("path", CORE + NOISE_TO_IMAGE_MODELS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_upward_imports_and_no_private_names(path):
    forbidden = ("keras_gans.datasets", "keras_gans.serving", "keras_gans.cli", "keras_gans.commands",
                 "keras_gans.evaluation")
    if path.parent.name == "core":
        forbidden += ("keras_gans.models",)
    for module, names in imports(path):
        assert not module.startswith(forbidden), f"{path.name} imports {module}"
        assert not any(name.startswith("_") for name in names), f"{path.name} imports private {names} from {module}"
