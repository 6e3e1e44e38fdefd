"""Paired and unpaired image-to-image data: layouts, built-in real sets, jitter, and bad input."""

import numpy as np
import pytest
from PIL import Image

from keras_gans.datasets.translation import (
    convert_channels,
    load_paired,
    load_size_for,
    load_unpaired,
    make_translation_dataset,
    sketch,
)


def _save(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array).save(path)
    return path


def _rgb(seed, h=8, w=8):
    return np.random.default_rng(seed).integers(0, 256, size=(h, w, 3), dtype=np.uint8)


def test_aligned_a_b_files_and_direction(tmp_path):
    pairs = [(_rgb(i), _rgb(100 + i)) for i in range(3)]
    for i, (a, b) in enumerate(pairs):
        _save(tmp_path / "facades" / "train" / f"{i}.png", np.concatenate([a, b], axis=1))
    a, b, info = load_paired(tmp_path / "facades")  # the parent: picks train/
    assert info["paired"] and a.shape == b.shape == (3, 8, 8, 3)
    np.testing.assert_array_equal(a[1], pairs[1][0])
    np.testing.assert_array_equal(b[2], pairs[2][1])
    b2, a2, _ = load_paired(tmp_path / "facades" / "train", direction="BtoA")
    np.testing.assert_array_equal(b2, b)
    np.testing.assert_array_equal(a2, a)


def test_matched_folders_with_own_channel_counts(tmp_path):
    for i in range(2):
        _save(tmp_path / "pairs" / "A" / f"img{i}.png", _rgb(i)[..., :1])  # grayscale sketches
        _save(tmp_path / "pairs" / "B" / f"img{i}.jpg", _rgb(i + 10))  # colour targets, other format
    a, b, _ = load_paired(tmp_path / "pairs")
    assert a.shape == (2, 8, 8, 1) and b.shape == (2, 8, 8, 3)


def test_unpaired_train_and_test_folders(tmp_path):
    for split, n in (("train", 3), ("test", 1)):
        for i in range(n):
            _save(tmp_path / "h2z" / f"{split}A" / f"a{i}.png", _rgb(i))
        for i in range(n + 1):
            _save(tmp_path / "h2z" / f"{split}B" / f"b{i}.png", _rgb(50 + i))
    a, b, info = load_unpaired(tmp_path / "h2z")
    assert (len(a), len(b), info["paired"]) == (3, 4, False)
    a, b, _ = load_unpaired(tmp_path / "h2z", split="test")
    assert (len(a), len(b)) == (1, 2)


def test_built_in_sets_are_real_fashion_mnist():
    a, b, info = load_paired("fashion_edges")
    assert a.shape == b.shape == (6000, 32, 32, 1) and info["name"] == "fashion_edges"
    assert np.all(b[:, :2] == 0)  # the black 2-pixel border around the 28x28 garments
    assert a.mean() > 200 and a.min() == 0  # sketches: mostly white, with black lines
    np.testing.assert_array_equal(a[:5], sketch(b[:5]))
    test_a, test_b, _ = load_paired("fashion_edges", split="test")
    assert len(test_a) == 10000
    sneakers, boots, _ = load_unpaired("fashion_sneaker2boot")
    assert sneakers.shape == boots.shape == (600, 32, 32, 1)
    assert not np.array_equal(sneakers.mean(axis=0), boots.mean(axis=0))


def test_jitter_crops_and_flips_both_images_alike():
    a = np.random.default_rng(0).integers(0, 256, size=(6, 32, 32, 1), dtype=np.uint8)
    ds = make_translation_dataset(a, a.copy(), batch_size=3, paired=True, seed=1)
    seen = []
    for x, y in ds:
        assert x.shape == (3, 32, 32, 1)
        np.testing.assert_array_equal(x.numpy(), y.numpy())  # the same crop and flip
        seen.append(x.numpy())
    assert not np.allclose(np.concatenate(seen)[np.argsort(np.concatenate(seen).mean(axis=(1, 2, 3)))],
                           (a[np.argsort(a.mean(axis=(1, 2, 3)))] / 127.5 - 1))  # jittered, not the originals
    assert load_size_for(256) == 286 and load_size_for(32) == 36


def test_without_jitter_images_are_scaled_only():
    a = np.random.default_rng(1).integers(0, 256, size=(4, 16, 16, 3), dtype=np.uint8)
    b = convert_channels(a, 1)
    x, y = next(iter(make_translation_dataset(a, b, batch_size=4, paired=True, jitter=False, shuffle=False)))
    np.testing.assert_allclose(x.numpy(), a / 127.5 - 1, atol=1e-6)
    assert y.shape == (4, 16, 16, 1)


def test_unpaired_epoch_has_the_larger_domain_size():
    a = np.zeros((5, 8, 8, 1), np.uint8)
    b = np.full((2, 8, 8, 1), 255, np.uint8)
    batches = list(make_translation_dataset(a, b, batch_size=1, paired=False, jitter=False))
    assert len(batches) == 5 and all(float(y.numpy().min()) == 1.0 for _, y in batches)


def test_bad_inputs_are_clear_errors(tmp_path):
    _save(tmp_path / "odd" / "x.png", _rgb(0, 8, 15))
    with pytest.raises(ValueError, match="odd width"):
        load_paired(tmp_path / "odd")
    _save(tmp_path / "mixed" / "x.png", _rgb(0, 8, 16))
    _save(tmp_path / "mixed" / "y.png", _rgb(0, 10, 16))
    with pytest.raises(ValueError, match="different sizes"):
        load_paired(tmp_path / "mixed")
    _save(tmp_path / "names" / "A" / "one.png", _rgb(0))
    _save(tmp_path / "names" / "B" / "two.png", _rgb(1))
    with pytest.raises(ValueError, match=r"do not match: only in A: \['one'\], only in B: \['two'\]"):
        load_paired(tmp_path / "names")
    _save(tmp_path / "sizes" / "A" / "x.png", _rgb(0, 8, 8))
    _save(tmp_path / "sizes" / "B" / "x.png", _rgb(0, 12, 12))
    with pytest.raises(ValueError, match="different sizes"):
        load_paired(tmp_path / "sizes")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no images"):
        load_paired(tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="trainB"):
        _save(tmp_path / "half" / "trainA" / "a.png", _rgb(0))
        load_unpaired(tmp_path / "half")
    (tmp_path / "broken" / "train").mkdir(parents=True)
    (tmp_path / "broken" / "train" / "bad.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match="bad.png"):
        load_paired(tmp_path / "broken")
    with pytest.raises(FileNotFoundError, match="no such folder"):
        load_paired(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="no such folder"):
        load_unpaired("no_such_set")
    with pytest.raises(ValueError, match="direction"):
        load_paired("fashion_edges", direction="AtoC")
    with pytest.raises(ValueError, match="larger than the dataset"):
        make_translation_dataset(np.zeros((2, 8, 8, 1), np.uint8), np.zeros((2, 8, 8, 1), np.uint8), batch_size=4,
                                 paired=True)
