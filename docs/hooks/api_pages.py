"""MkDocs hook: the API reference pages, generated at build time from the package tree.

One page per package of ``keras_gans`` (``api/<name>.md``, listed in ``mkdocs.yml``'s nav): the
package docstring, then every module under it in file order, each rendered by mkdocstrings from its
docstrings. Generating the pages from the tree keeps them in step with the code: a module that is
added, moved or removed changes the reference without an edit here. ``api/keras_gans.md`` is a
table of the public names (``keras_gans.__all__``) linked to where each is defined.

Nothing is imported: the tree is read with ``ast`` and griffe's static analysis, as mkdocstrings
does, so building the site needs neither TensorFlow nor the network.
"""

import ast
from pathlib import Path

from mkdocs.structure.files import File

PACKAGE = "keras_gans"

#: page name -> dotted module, in nav order (mkdocs.yml lists the same pages)
PAGES = {
    "core": "keras_gans.core",
    "models": "keras_gans.models",
    "networks": "keras_gans.networks",
    "layers": "keras_gans.layers",
    "kernels": "keras_gans.kernels",
    "losses": "keras_gans.losses",
    "optimizers": "keras_gans.optimizers",
    "schedules": "keras_gans.schedules",
    "callbacks": "keras_gans.callbacks",
    "checkpoints": "keras_gans.checkpoints",
    "files": "keras_gans.files",
    "datasets": "keras_gans.datasets",
    "serving": "keras_gans.serving",
    "evaluation": "keras_gans.evaluation",
    "latent": "keras_gans.latent",
    "presets": "keras_gans.presets",
    "studio": "keras_gans.studio",
    "metrics": "keras_gans.metrics",
    "cli": "keras_gans.cli",
}


def _docstring(path):
    return ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""


def _modules(directory, dotted):
    """``(kind, dotted name)`` of every package and module under ``directory``, depth first.

    Skips private modules (``_name.py``, ``__main__``) and compatibility shims whose docstring
    starts with "Moved to".
    """
    found = []
    for path in sorted(directory.iterdir()):
        if path.name.startswith(("_", ".")):
            continue
        if path.is_dir() and (path / "__init__.py").is_file():
            found.append(("package", f"{dotted}.{path.name}"))
            found.extend(_modules(path, f"{dotted}.{path.name}"))
        elif path.suffix == ".py" and not _docstring(path).startswith("Moved to"):
            found.append(("module", f"{dotted}.{path.stem}"))
    return found


def _directive(name, level, *, root_heading=True, members=True):
    lines = [f"::: {name}", "    options:", f"      heading_level: {level}"]
    if not root_heading:
        lines.append("      show_root_heading: false")
    if not members:
        lines.append("      members: false")
    return "\n".join(lines) + "\n"


def _package_page(root, dotted):
    relative = Path(*dotted.split(".")[1:])
    text = [f"# `{dotted}`\n"]
    if (root / relative).is_dir():
        text.append(_directive(dotted, 2, root_heading=False, members=False))
        for kind, name in _modules(root / relative, dotted):
            depth = name.count(".") - dotted.count(".")
            text.append(_directive(name, min(1 + depth, 3), members=kind == "module"))
    elif (root / relative.with_suffix(".py")).is_file():
        text.append(_directive(dotted, 2, root_heading=False))
    else:
        text.append(f"The module `{dotted}` does not exist in this version of the code.\n")
    return "\n".join(text)


def _public_names_page(repo):
    import griffe

    package = griffe.load(PACKAGE, search_paths=[str(repo)], resolve_aliases=True)
    rows = []
    for name in package.exports or []:
        if name.startswith("__"):
            continue
        obj = package[name]
        final = obj.final_target if obj.is_alias else obj
        if final.is_attribute and final.value is not None:  # DTN = DomainTransferNetwork
            other = final.parent[str(final.value)]
            rows.append(f"| [`{PACKAGE}.{name}`][{other.path}] | `{final.path}` | the same class as `{other.name}` |")
            continue
        first = (final.docstring.value.strip().split("\n")[0] if final.docstring else "").rstrip(":")
        if "|" in first:  # a table cell cannot hold a pipe in code
            first = first.split("``")[0].rstrip(" ,:")
        rows.append(f"| [`{PACKAGE}.{name}`][{final.path}] | `{final.path}` | {first} |")
    return "\n".join([
        f"# `{PACKAGE}`\n",
        _directive(PACKAGE, 2, root_heading=False, members=False),
        f"`import {PACKAGE}` gives these names (`{PACKAGE}.__all__`); each links to its reference. "
        "The other pages of this section document one package each, module by module.\n",
        "| name | defined in | |",
        "|---|---|---|",
        *rows,
        "",
    ])


def on_files(files, config):
    repo = Path(config["config_file_path"]).parent
    root = repo / PACKAGE
    pages = {"api/keras_gans.md": _public_names_page(repo)}
    pages.update({f"api/{page}.md": _package_page(root, dotted) for page, dotted in PAGES.items()})
    for uri, content in pages.items():
        files.append(File.generated(config, uri, content=content))
    return files
