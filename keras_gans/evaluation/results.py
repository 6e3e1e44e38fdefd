"""Runs as pandas tables, and their loss/metric curves as PNG plots.

A run folder is what ``keras-gans train`` writes: ``history.csv`` (one row per finished epoch),
``checkpoints/ckpt-*/`` (:mod:`keras_gans.checkpoints`: ``state.json`` with the epochs done, ``model.keras``),
``model.keras`` (its ``config.json`` holds the model's configuration) and, after ``keras-gans evaluate``,
``evaluation.csv``.
"""

import json
import math
import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from keras_gans import checkpoints, files

#: model constructor arguments copied into the table when present
CONFIG_KEYS = ("latent_dim", "image_shape", "g_filters", "d_filters", "n_critic", "gp_weight", "clip_value",
               "num_classes", "architecture", "loss", "seed")


def _model_config(run):
    """``(class_name, config dict)`` from ``model.keras`` (or the last checkpoint), else ``(None, {})``."""
    newest = checkpoints.latest(run / "checkpoints")
    for path in (run / "model.keras", Path(newest or run) / checkpoints.MODEL_FILE, run / "checkpoints" / "last.keras"):
        if path.is_file():
            try:
                with zipfile.ZipFile(path) as z:
                    config = json.loads(z.read("config.json"))
            except (zipfile.BadZipFile, KeyError, json.JSONDecodeError):
                continue
            compile_config = config.get("compile_config") or {}
            inner = dict(config.get("config", {}))
            for net in ("g_optimizer", "d_optimizer"):
                opt = compile_config.get(net) or {}
                if opt:
                    inner[f"{net[0]}_lr"] = opt.get("config", {}).get("learning_rate")
            return config.get("class_name"), inner
    return None, {}


def _cell(value):
    if isinstance(value, (list, tuple)):
        return "x".join(str(v) for v in value)
    return value


def gather_runs(root="runs"):
    """One row per run folder under ``root`` (any folder holding ``history.csv``).

    Columns: ``run`` (path relative to ``root``), ``model`` (class), ``epochs``, the model's
    configuration (:data:`CONFIG_KEYS`, learning rates), the last epoch's logs (``final_<name>``),
    the best value of every ``fid``/``kid`` column (``best_<name>``, with ``best_<name>_epoch``),
    and the rows of ``evaluation.csv`` (``eval_<metric>``) when present.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"no runs folder {root}")
    rows = []
    for history_path in sorted(root.rglob("history.csv")):
        run = history_path.parent
        try:
            history = pd.read_csv(history_path, na_values=["NA"])
        except pd.errors.EmptyDataError:
            history = pd.DataFrame()
        cls, config = _model_config(run)
        row = {"run": str(run.relative_to(root)) or ".", "model": cls, "epochs": len(history)}
        newest = checkpoints.latest(run / "checkpoints")
        if newest is not None:
            try:
                row["epochs"] = checkpoints.read_state(newest)["epoch"]
            except checkpoints.CheckpointError:
                pass  # a damaged checkpoint: the history's row count stands
        row.update({k: _cell(config[k]) for k in CONFIG_KEYS + ("g_lr", "d_lr") if k in config})
        if len(history):
            last = history.iloc[-1]
            for column in history.columns:
                if column == "epoch" or history[column].isna().all():
                    continue
                row[f"final_{column}"] = last[column]
                if "fid" in column or "kid" in column:
                    best = history[column].idxmin()
                    row[f"best_{column}"] = history[column].min()
                    row[f"best_{column}_epoch"] = int(history["epoch"][best]) + 1 if "epoch" in history else best + 1
        evaluation = run / "evaluation.csv"
        if evaluation.is_file():
            for _, r in pd.read_csv(evaluation).iterrows():
                row[f"eval_{r['metric']}"] = r["value"]
        rows.append(row)
    return pd.DataFrame(rows)


def to_markdown(df, floatfmt="{:.4g}"):
    """A GitHub markdown table (pandas' ``to_markdown`` needs the optional ``tabulate``)."""
    def fmt(v):
        if isinstance(v, (float, np.floating)):
            return "" if math.isnan(v) else floatfmt.format(v)
        return "" if v is None else str(v)

    header = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(fmt(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([header, rule, *body]) + "\n"


def _atomic_write(path, text):
    files.write_text(path, text)


def write_table(df, stem):
    """Write ``stem.csv`` and ``stem.md`` (each atomically); returns their paths."""
    stem = os.fspath(stem)
    os.makedirs(os.path.dirname(os.path.abspath(stem)), exist_ok=True)
    _atomic_write(f"{stem}.csv", df.to_csv(index=False))
    _atomic_write(f"{stem}.md", to_markdown(df))
    return f"{stem}.csv", f"{stem}.md"


def plot_history(history, out_png, title=None):
    """Loss and metric curves of a run (``history.csv`` path, run folder or DataFrame) as one PNG:
    one panel per logged quantity against the epoch (NaN epochs, e.g. skipped evaluations, are left out)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not isinstance(history, pd.DataFrame):
        path = Path(history)
        path = path / "history.csv" if path.is_dir() else path
        if not path.is_file():
            raise FileNotFoundError(f"no history file {path}")
        title = title or path.parent.name
        history = pd.read_csv(path, na_values=["NA"])
    epochs = history["epoch"] + 1 if "epoch" in history else pd.Series(range(1, len(history) + 1))
    columns = [c for c in history.columns if c != "epoch" and history[c].notna().any()]
    if not columns:
        raise ValueError("the history has no logged values to plot")
    cols = min(3, len(columns))
    rows = math.ceil(len(columns) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax, column in zip(axes.flat, columns):
        ok = history[column].notna()
        ax.plot(epochs[ok], history[column][ok], marker="o", markersize=3)
        ax.set_title(column)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(columns):]:
        ax.axis("off")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    out_png = os.fspath(out_png)
    os.makedirs(os.path.dirname(os.path.abspath(out_png)), exist_ok=True)
    with files.atomic_path(out_png) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)
    return out_png
