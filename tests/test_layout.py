"""The architecture's rules, checked on the source (CONVENTIONS: cli -> models/serving/datasets/evaluation
-> core/networks -> layers/kernels/losses; issue 17's "Done when")."""

import ast
from pathlib import Path

import pytest

import keras_gans

PACKAGE = Path(keras_gans.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))
CORE = sorted((PACKAGE / "core").glob("*.py"))


def name_of(path):
    return ".".join(("keras_gans", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")


def imports(path):
    """``(module, names)`` of every import statement in ``path`` (at any depth: lazy imports count)."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from ((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # resolved against the importing module's package, as Python does
                package = name_of(path).split(".")
                package = package if path.name == "__init__.py" else package[:-1]
                base = ".".join(package[: len(package) - node.level + 1])
                yield ".".join(filter(None, (base, node.module))), [alias.name for alias in node.names]
            else:
                yield node.module or "", [alias.name for alias in node.names]


def under(*folders):
    return [p for p in MODULES if p.relative_to(PACKAGE).parts[0] in folders]


def check(paths, forbidden, allowed=()):
    for path in paths:
        for module, _ in imports(path):
            if module.startswith(forbidden) and module not in allowed:
                pytest.fail(f"{name_of(path)} imports {module}")


def test_core_package_init_imports_nothing():
    assert list(imports(PACKAGE / "core" / "__init__.py")) == []


def test_models_and_core_never_import_datasets_serving_evaluation_or_the_cli():
    outer = ("keras_gans.datasets", "keras_gans.serving", "keras_gans.cli", "keras_gans.evaluation",
             "keras_gans.latent", "keras_gans.callbacks")
    check(under("models", "core"), outer)
    check(CORE, ("keras_gans.models",))


def test_networks_layers_kernels_and_losses_never_import_upward():
    upward = ("keras_gans.models", "keras_gans.core", "keras_gans.datasets", "keras_gans.serving", "keras_gans.cli",
              "keras_gans.evaluation", "keras_gans.latent", "keras_gans.callbacks")
    # the replica-exact dropout layer draws its mask with core's one-module helper (core/__init__ imports nothing)
    check(under("networks", "layers", "kernels", "losses.py"), upward, allowed=("keras_gans.core.distribution",))
    check(under("layers", "kernels", "losses.py"), ("keras_gans.networks",))


def test_no_module_imports_another_modules_private_names():
    for path in MODULES:
        for module, names in imports(path):
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            assert not (module.startswith("keras_gans") and private), f"{name_of(path)} imports {private} from {module}"


def test_only_the_cli_parses_arguments_or_exits():
    for path in MODULES:
        if path.relative_to(PACKAGE).parts[0] == "cli":
            continue
        tree = ast.parse(path.read_text())
        assert not any(module == "argparse" for module, _ in imports(path)), f"{name_of(path)} imports argparse"
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "exit":
                pytest.fail(f"{name_of(path)} calls {ast.unparse(node.func)}")
            if isinstance(node, ast.Raise) and node.exc is not None and "SystemExit" in ast.unparse(node.exc):
                pytest.fail(f"{name_of(path)} raises SystemExit")

