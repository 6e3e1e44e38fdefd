"""Shared by the Keras and torch sides (numpy only): data preparation, paths, the uint8 conversion.

Fashion-MNIST 28x28 is padded to 32x32 with 2 pixels of background (0 in uint8, -1 after scaling),
one channel. Both frameworks read the *same* uint8 arrays and scale them as keras_gans' pipeline does
(``x / 127.5 - 1``). Generated images go back to uint8 with one formula for both.
"""

import gzip
import json
import os
import subprocess
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
DATA_DIR = Path(os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))
#: large files (padded arrays, samples, feature-net weights) live outside the repository
CACHE = Path(os.environ.get("DCGAN_PARITY_CACHE", "/tmp/dcgan_parity"))
RESULTS = HERE / "results"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(split):
    """``(images uint8 [N, 32, 32, 1], labels int64 [N])``, padded 28 -> 32 with background 0; cached."""
    CACHE.mkdir(parents=True, exist_ok=True)
    cached = CACHE / f"{split}32.npz"
    if cached.exists():
        with np.load(cached) as f:
            return f["images"], f["labels"]
    stem = "train" if split == "train" else "t10k"
    images = read_idx(DATA_DIR / f"{stem}-images-idx3-ubyte.gz")
    labels = read_idx(DATA_DIR / f"{stem}-labels-idx1-ubyte.gz").astype(np.int64)
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)), constant_values=0)[..., None]
    np.savez(cached, images=images, labels=labels)
    return images, labels


def to_uint8(images):
    """Images in [-1, 1] (any float array) -> uint8, the inverse of ``x / 127.5 - 1`` rounded."""
    return np.clip(np.round((np.asarray(images, np.float32) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def save_run(name, samples_uint8, meta):
    """Samples to CACHE/samples/NAME.npy ([N, 32, 32, 1] uint8) and meta to results/runs/NAME.json."""
    (CACHE / "samples").mkdir(parents=True, exist_ok=True)
    (RESULTS / "runs").mkdir(parents=True, exist_ok=True)
    assert samples_uint8.dtype == np.uint8 and samples_uint8.shape[1:] == (32, 32, 1), samples_uint8.shape
    np.save(CACHE / "samples" / f"{name}.npy", samples_uint8)
    meta = dict(meta, name=name, **machine_info())
    (RESULTS / "runs" / f"{name}.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")


def machine_info():
    try:
        model = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")][0]
        flags = [l for l in open("/proc/cpuinfo") if l.startswith("flags")][0].split()
    except (OSError, IndexError):
        model, flags = "?", []
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "keras_gans"],
                                    capture_output=True, text=True).stdout.strip())
    except OSError:
        commit, dirty = "?", False
    return {"cpu": model, "avx512_bf16": "avx512_bf16" in flags, "amx": any(f.startswith("amx") for f in flags),
            "cpus": os.cpu_count(), "commit": commit + ("+dirty-keras_gans" if dirty else "")}
