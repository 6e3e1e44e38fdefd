"""Tests of keras_gans.datasets on the real Fashion-MNIST files Debian installs, and tiny generated data."""

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import keras_gans.datasets as kd
from keras_gans.datasets import embedded, fashion_mnist

DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
# A valid, incompressible IDX image file body (3 random 28x28 images).
NOISE_IDX = struct.pack(">IIII", 2051, 3, 28, 28) + np.random.default_rng(0).bytes(3 * 28 * 28)


# === Fixtures and helpers ===


@pytest.fixture(scope="module")
def fmnist_train():
    return kd.load_fashion_mnist("train", data_dir=DEBIAN_DIR)


def write_idx(path, array, magic=None, compress=None):
    """Writes ``array`` (uint8) as an IDX file; ``.gz`` names are gzip-compressed."""
    array = np.asarray(array, dtype=np.uint8)
    magic = magic if magic is not None else 0x0800 | array.ndim
    raw = struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
    compress = str(path).endswith(".gz") if compress is None else compress
    Path(path).write_bytes(gzip.compress(raw) if compress else raw)
    return path


def write_fake_fashion_mnist(directory, split="test", n=5, compress=True, offset=0):
    directory.mkdir(parents=True, exist_ok=True)
    prefix = "t10k" if split == "test" else "train"
    ext = ".gz" if compress else ""
    images = (np.arange(n * 28 * 28).reshape(n, 28, 28) + offset).astype(np.uint8)
    labels = np.arange(n) % 10
    write_idx(directory / f"{prefix}-images-idx3-ubyte{ext}", images)
    write_idx(directory / f"{prefix}-labels-idx1-ubyte{ext}", labels)
    return images, labels


def write_image(path, array, mode=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array, dtype=np.uint8), mode=mode).save(path)
    return path


def rgb(h=8, w=8, value=(10, 20, 30)):
    return np.broadcast_to(np.asarray(value, dtype=np.uint8), (h, w, 3)).copy()


def gray(h=8, w=8, value=100):
    return np.full((h, w), value, dtype=np.uint8)


def ramp_images(n=300, size=28):
    """uint8 images where image i is filled with ``i % 256``: the value identifies the image."""
    return np.broadcast_to((np.arange(n) % 256).astype(np.uint8)[:, None, None, None], (n, size, size, 1)).copy()


# === Fashion-MNIST IDX files ===


def test_real_fashion_mnist_train(fmnist_train):
    images, labels = fmnist_train
    assert images.shape == (60000, 28, 28, 1) and images.dtype == np.uint8
    assert labels.shape == (60000,) and labels.dtype == np.int64
    assert labels.min() == 0 and labels.max() == 9
    np.testing.assert_array_equal(np.bincount(labels), [6000] * 10)
    # Published training-set pixel mean 0.2860 (x 255 = 72.94): real data, not zeros or noise.
    assert abs(images.mean() - 72.94) < 0.05
    assert images.flags.writeable


def test_real_fashion_mnist_test_split():
    images, labels = kd.load_fashion_mnist("test", data_dir=DEBIAN_DIR)
    assert images.shape == (10000, 28, 28, 1)
    np.testing.assert_array_equal(np.bincount(labels), [1000] * 10)
    assert len(kd.CLASS_NAMES) == 10 and kd.CLASS_NAMES[9] == "Ankle boot"


def test_default_search_finds_debian_files(monkeypatch):
    monkeypatch.delenv(fashion_mnist.ENV_VAR, raising=False)
    paths = fashion_mnist.find_fashion_mnist_files("test")
    assert paths == (DEBIAN_DIR / "t10k-images-idx3-ubyte.gz", DEBIAN_DIR / "t10k-labels-idx1-ubyte.gz")


def test_env_var_dir_with_uncompressed_files_comes_before_system_dirs(tmp_path, monkeypatch):
    images, labels = write_fake_fashion_mnist(tmp_path / "fm", "test", n=7, compress=False)
    monkeypatch.setenv(fashion_mnist.ENV_VAR, str(tmp_path / "fm"))
    got_images, got_labels = kd.load_fashion_mnist("test")
    np.testing.assert_array_equal(got_images[..., 0], images)
    np.testing.assert_array_equal(got_labels, labels)


def test_data_dir_comes_first_and_must_hold_the_files(tmp_path, monkeypatch):
    write_fake_fashion_mnist(tmp_path / "env", "train", n=3)
    images, _ = write_fake_fashion_mnist(tmp_path / "mine", "train", n=4, offset=9)
    monkeypatch.setenv(fashion_mnist.ENV_VAR, str(tmp_path / "env"))
    got, _ = kd.load_fashion_mnist("train", data_dir=tmp_path / "mine")
    np.testing.assert_array_equal(got[..., 0], images)
    with pytest.raises(FileNotFoundError, match="no Fashion-MNIST 'train' files in .*empty"):
        kd.load_fashion_mnist("train", data_dir=tmp_path / "empty")


def test_falls_back_to_keras_download_when_no_files(tmp_path, monkeypatch):
    import keras

    monkeypatch.delenv(fashion_mnist.ENV_VAR, raising=False)
    monkeypatch.setattr(fashion_mnist, "SYSTEM_DIRS", (tmp_path / "nothing",))
    fake_train = (np.full((3, 28, 28), 7, np.uint8), np.array([1, 2, 3], np.uint8))
    fake_test = (np.zeros((2, 28, 28), np.uint8), np.array([4, 5], np.uint8))
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", lambda: (fake_train, fake_test))
    images, labels = kd.load_fashion_mnist("test")
    assert images.shape == (2, 28, 28, 1)
    np.testing.assert_array_equal(labels, [4, 5])


def test_unknown_split():
    with pytest.raises(ValueError, match="unknown Fashion-MNIST split 'validation'"):
        kd.load_fashion_mnist("validation")


@pytest.mark.parametrize(
    "name, writer, message",
    [
        ("wrong_magic.gz", lambda p: write_idx(p, np.zeros(4), magic=2049), "magic number 2049, expected 2051"),
        ("not_idx.gz", lambda p: write_idx(p, np.zeros((2, 2, 2)), magic=0x0D0D0803), "expected 2051"),
        (
            "truncated_data.gz",
            lambda p: p.write_bytes(gzip.compress(struct.pack(">IIII", 2051, 10, 28, 28) + bytes(100))),
            "truncated, header says 10x28x28 = 7840 bytes",
        ),
        (
            "trailing.gz",
            lambda p: p.write_bytes(gzip.compress(struct.pack(">IIII", 2051, 1, 2, 2) + bytes(5))),
            "has trailing data",
        ),
        ("short_header", lambda p: p.write_bytes(struct.pack(">II", 2051, 1)), "truncated header"),
        ("cut_gzip.gz", lambda p: p.write_bytes(gzip.compress(NOISE_IDX)[: len(NOISE_IDX) // 2]), "cannot decompress"),
        ("not_gzip.gz", lambda p: p.write_bytes(b"plain text, not gzip"), "cannot decompress"),
    ],
)
def test_corrupt_idx_raises_naming_the_file(tmp_path, name, writer, message):
    path = tmp_path / name
    writer(path)
    with pytest.raises(ValueError, match=f"corrupt IDX file .*{name}.*{message}"):
        kd.read_idx(path, fashion_mnist.IMAGES_MAGIC)


def test_idx_header_must_be_unsigned_bytes(tmp_path):
    path = write_idx(tmp_path / "floats", np.zeros(3), magic=0x0D01)  # type 0x0D = float32
    with pytest.raises(ValueError, match="floats: magic number 0x00000d01 is not an unsigned-byte IDX header"):
        kd.read_idx(path)
    np.testing.assert_array_equal(kd.read_idx(write_idx(tmp_path / "ok", [[1, 2], [3, 4]])), [[1, 2], [3, 4]])


def test_corrupt_idx_in_a_data_dir(tmp_path):
    write_fake_fashion_mnist(tmp_path, "train", n=3)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(struct.pack(">II", 2049, 5) + bytes(2)))
    with pytest.raises(ValueError, match="train-labels-idx1-ubyte.gz: truncated"):
        kd.load_fashion_mnist("train", data_dir=tmp_path)


# === Embedded subset ===


def test_embedded_subset_is_real_balanced_and_small(fmnist_train):
    path = Path(str(embedded.embedded_subset_path()))
    assert path.stat().st_size < 5 * 1024 * 1024
    images, labels, indices = kd.load_embedded(with_indices=True)
    assert images.shape == (6000, 28, 28, 1) and images.dtype == np.uint8 and labels.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(labels), [600] * 10)
    train_images, train_labels = fmnist_train
    np.testing.assert_array_equal(images, train_images[indices])
    np.testing.assert_array_equal(labels, train_labels[indices])
    expected = np.sort(np.concatenate([np.flatnonzero(train_labels == c)[:600] for c in range(10)]))
    np.testing.assert_array_equal(indices, expected)
    plain_images, plain_labels = kd.load_embedded()
    np.testing.assert_array_equal(plain_images, images)


# === Pipeline ===


def test_scale_and_to_uint8_round_trip_numpy_and_tf():
    values = np.arange(256, dtype=np.uint8)
    scaled = kd.scale_images(values)
    assert scaled.dtype == np.float32 and scaled[0] == -1.0 and scaled[255] == 1.0
    np.testing.assert_array_equal(kd.to_uint8(scaled), values)
    tf_scaled = kd.scale_images(tf.constant(values))
    assert isinstance(tf_scaled, tf.Tensor)
    np.testing.assert_array_equal(kd.to_uint8(tf_scaled).numpy(), values)
    np.testing.assert_array_equal(kd.to_uint8(np.array([-3.0, 2.0, 0.0])), [0, 255, 128])
    assert kd.to_uint8(tf.constant([5.0])).dtype == tf.uint8


def test_make_dataset_range_dtype_shape_and_values():
    images = np.random.default_rng(0).integers(0, 256, (100, 28, 28, 1), dtype=np.uint8)
    images[0, 0, 0, 0], images[0, 0, 1, 0] = 0, 255
    ds = kd.make_dataset(images, batch_size=10, shuffle=False)
    batches = [b.numpy() for b in ds]
    assert len(batches) == 10
    assert batches[0].dtype == np.float32 and batches[0].shape == (10, 28, 28, 1)
    everything = np.concatenate(batches)
    assert everything.min() == -1.0 and everything.max() == 1.0
    np.testing.assert_allclose(everything, images / 127.5 - 1.0, atol=1e-6)


@pytest.mark.parametrize("drop_remainder, expected", [(True, [64] * 4), (False, [64] * 4 + [44])])
def test_batch_counts(drop_remainder, expected):
    ds = kd.make_dataset(ramp_images(300), batch_size=64, drop_remainder=drop_remainder, seed=1)
    assert [len(b) for b in ds] == expected


def test_labels_stay_with_their_images_through_shuffling():
    images = ramp_images(200)
    labels = np.arange(200)
    ds = kd.make_dataset(images, labels, batch_size=50, seed=3)
    seen = []
    for x, y in ds:
        assert y.dtype == tf.int32
        np.testing.assert_array_equal(kd.to_uint8(x.numpy())[:, 0, 0, 0], y.numpy())
        seen.append(y.numpy())
    seen = np.concatenate(seen)
    assert sorted(seen) == list(range(200)) and not np.array_equal(seen, np.arange(200))


def test_shuffle_is_seeded_and_reshuffles_each_epoch():
    def epoch_order(ds):
        return np.concatenate([kd.to_uint8(b.numpy())[:, 0, 0, 0] for b in ds])

    images = ramp_images(256)
    a = kd.make_dataset(images, batch_size=32, seed=7)
    b = kd.make_dataset(images, batch_size=32, seed=7)
    first_a, first_b = epoch_order(a), epoch_order(b)
    np.testing.assert_array_equal(first_a, first_b)
    assert not np.array_equal(first_a, epoch_order(a))  # second epoch: a new order
    np.testing.assert_array_equal(epoch_order(kd.make_dataset(images, batch_size=32, shuffle=False)), np.arange(256))


def test_repeat_goes_past_one_epoch():
    ds = kd.make_dataset(ramp_images(40), batch_size=16, repeat=True, seed=0)
    assert len(list(ds.take(7))) == 7  # one epoch has 2 batches


def test_resize_28_to_32_and_three_dims_input():
    images = np.zeros((8, 28, 28), np.uint8)
    images[:, :, 14:] = 255  # left half black, right half white
    (batch,) = list(kd.make_dataset(images, batch_size=8, image_size=32, shuffle=False))
    assert batch.shape == (8, 32, 32, 1)
    np.testing.assert_allclose(batch[:, :, :14].numpy(), -1.0, atol=1e-6)
    np.testing.assert_allclose(batch[:, :, 18:].numpy(), 1.0, atol=1e-6)
    assert -1.0 < float(batch[0, 0, 16, 0]) < 1.0  # interpolated edge


def test_channels_conversion():
    images = np.random.default_rng(1).integers(0, 256, (4, 28, 28, 1), dtype=np.uint8)
    (batch,) = list(kd.make_dataset(images, batch_size=4, channels=3, shuffle=False))
    assert batch.shape == (4, 28, 28, 3)
    for c in range(3):
        np.testing.assert_allclose(batch[..., c].numpy(), images[..., 0] / 127.5 - 1.0, atol=1e-6)
    red = np.zeros((2, 5, 5, 3), np.uint8)
    red[..., 0] = 255
    (batch,) = list(kd.make_dataset(red, batch_size=2, channels=1, shuffle=False))
    assert batch.shape == (2, 5, 5, 1)
    np.testing.assert_allclose(batch.numpy(), 0.2989 * 255 / 127.5 - 1.0, atol=1e-3)  # ITU-R 601 luma


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"batch_size": 0}, "batch_size must be a positive int, got 0"),
        ({"batch_size": -4}, "batch_size must be a positive int, got -4"),
        ({"batch_size": 2.5}, "batch_size must be a positive int, got 2.5"),
        ({"batch_size": "8"}, "batch_size must be a positive int, got '8'"),
        ({"batch_size": True}, "batch_size must be a positive int, got True"),
        ({"batch_size": 512}, r"batch size 512 is larger than the dataset \(300 images\)"),
        ({"batch_size": 8, "labels": np.zeros(299, int)}, "labels has 299 entries but there are 300 images"),
        ({"batch_size": 8, "labels": np.r_[np.zeros(299, int), -1]}, "labels must be non-negative class ids, got -1"),
        ({"batch_size": 8, "labels": np.zeros(300) + 0.5}, "labels must be integer class ids"),
        ({"batch_size": 8, "image_size": 0}, "image_size must be a positive int .*got 0"),
        ({"batch_size": 8, "image_size": -32}, "image_size must be a positive int .*got -32"),
        ({"batch_size": 8, "channels": 2}, "channels must be 1 .*got 2"),
        ({"batch_size": 8, "seed": "x"}, "seed must be an int"),
    ],
)
def test_make_dataset_rejects_bad_arguments(kwargs, message):
    kwargs = dict(kwargs)
    labels = kwargs.pop("labels", None)
    with pytest.raises(ValueError, match=message):
        kd.make_dataset(ramp_images(300), labels, **kwargs)


@pytest.mark.parametrize(
    "images, message",
    [
        (np.zeros((4, 28, 28, 1), np.float32), "images must be uint8 in \\[0, 255\\], got dtype float32"),
        (np.zeros((4, 28), np.uint8), "images must have shape \\[N, H, W, C\\]"),
        (np.zeros((4, 8, 8, 4), np.uint8), "images must have 1 or 3 channels, got 4"),
        (np.zeros((0, 8, 8, 1), np.uint8), "images is empty"),
    ],
)
def test_make_dataset_rejects_bad_images(images, message):
    with pytest.raises(ValueError, match=message):
        kd.make_dataset(images, batch_size=1)


# === Image folders ===


def test_class_subfolders(tmp_path):
    write_image(tmp_path / "dogs" / "b.png", rgb(value=(1, 2, 3)))
    write_image(tmp_path / "dogs" / "a.PNG", rgb(value=(4, 5, 6)))
    rgba = np.dstack([rgb(value=(7, 8, 9)), np.full((8, 8), 50, np.uint8)])
    write_image(tmp_path / "cats" / "x.png", rgba)  # RGBA: alpha dropped
    palette = Image.fromarray(rgb(value=(200, 100, 0))).convert("P", palette=Image.Palette.ADAPTIVE)
    palette.save(tmp_path / "cats" / "y.gif")
    write_image(tmp_path / "cats" / "z.JPG", rgb(value=(128, 128, 128)))
    (tmp_path / "cats" / "notes.txt").write_text("not an image")
    write_image(tmp_path / "cats" / ".hidden.png", rgb())
    images, labels, class_names = kd.load_image_folder(tmp_path)
    assert class_names == ["cats", "dogs"]
    np.testing.assert_array_equal(labels, [0, 0, 0, 1, 1])
    assert images.shape == (5, 8, 8, 3) and images.dtype == np.uint8
    np.testing.assert_array_equal(images[0, 0, 0], [7, 8, 9])
    np.testing.assert_array_equal(images[1, 0, 0], [200, 100, 0])
    assert np.abs(images[2].astype(int) - 128).max() <= 2  # JPEG is lossy
    np.testing.assert_array_equal(images[3, 0, 0], [4, 5, 6])  # a.PNG sorts before b.png
    np.testing.assert_array_equal(images[4, 0, 0], [1, 2, 3])


def test_flat_grayscale_folder(tmp_path):
    for i in range(3):
        write_image(tmp_path / f"img{i}.bmp", gray(6, 5, value=10 * i))
    images, labels, class_names = kd.load_image_folder(str(tmp_path))
    assert images.shape == (3, 6, 5, 1) and class_names == []
    np.testing.assert_array_equal(labels, [0, 0, 0])
    np.testing.assert_array_equal(images[:, 0, 0, 0], [0, 10, 20])


def test_empty_folder(tmp_path):
    (tmp_path / "readme.txt").write_text("no images here")
    with pytest.raises(ValueError, match="image folder .* has no images"):
        kd.load_image_folder(tmp_path)


def test_empty_class_folder(tmp_path):
    write_image(tmp_path / "a" / "1.png", rgb())
    (tmp_path / "b").mkdir()
    with pytest.raises(ValueError, match="class folder .*b has no images"):
        kd.load_image_folder(tmp_path)


def test_missing_folder_and_not_a_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="image folder .*missing does not exist"):
        kd.load_image_folder(tmp_path / "missing")
    file = write_image(tmp_path / "one.png", rgb())
    with pytest.raises(ValueError, match="one.png is not a directory"):
        kd.load_image_folder(file)


def test_images_and_subfolders_mixed(tmp_path):
    write_image(tmp_path / "top.png", rgb())
    write_image(tmp_path / "cls" / "a.png", rgb())
    with pytest.raises(ValueError, match="mixes images .*top.png.* and sub-folders .*cls"):
        kd.load_image_folder(tmp_path)


def test_corrupt_image_named(tmp_path):
    write_image(tmp_path / "good.png", rgb())
    (tmp_path / "junk.png").write_bytes(b"this is not a png")
    with pytest.raises(ValueError, match="cannot read image .*junk.png"):
        kd.load_image_folder(tmp_path)


def test_truncated_image_named(tmp_path):
    noisy = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    write_image(tmp_path / "a.png", noisy)
    data = (tmp_path / "a.png").read_bytes()
    (tmp_path / "b.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="cannot read image .*b.png"):
        kd.load_image_folder(tmp_path)


def test_mixed_sizes_named_and_fixed_by_image_size(tmp_path):
    write_image(tmp_path / "a.png", rgb(28, 28))
    write_image(tmp_path / "b.png", rgb(32, 30))
    with pytest.raises(ValueError, match=r"different sizes: .*a.png is 28x28 .*b.png is 32x30.*pass image_size"):
        kd.load_image_folder(tmp_path)
    images, _, _ = kd.load_image_folder(tmp_path, image_size=16)
    assert images.shape == (2, 16, 16, 3)
    np.testing.assert_array_equal(images[1, 8, 8], [10, 20, 30])  # constant colour survives resizing


def test_mixed_channels_named(tmp_path):
    write_image(tmp_path / "a_gray.png", gray())
    write_image(tmp_path / "b_rgb.png", rgb())
    with pytest.raises(ValueError, match=r"mix grayscale and RGB: .*a_gray.png has 1 .*b_rgb.png has 3"):
        kd.load_image_folder(tmp_path)


# === load / load_arrays ===


def test_load_unknown_name():
    message = (
        "unknown dataset 'nope': expected 'embedded', 'fashion_mnist', an image folder path or a tfds name"
    )
    with pytest.raises(ValueError, match=message):
        kd.load("nope", batch_size=8)
    with pytest.raises(ValueError, match="no folder exists at 'data/missing_faces'"):
        kd.load("data/missing_faces", batch_size=8)


def test_load_embedded_with_labels_resize_and_channels():
    ds, info = kd.load("embedded", batch_size=100, image_size=32, channels=3, with_labels=True, seed=0)
    assert info == {
        "name": "embedded",
        "split": "train",
        "num_examples": 6000,
        "image_shape": (32, 32, 3),
        "num_classes": 10,
        "class_names": list(kd.CLASS_NAMES),
    }
    x, y = next(iter(ds))
    assert x.shape == (100, 32, 32, 3) and y.shape == (100,) and y.dtype == tf.int32
    assert len(list(ds)) == 60
    with pytest.raises(ValueError, match="only a 'train' split"):
        kd.load("embedded", batch_size=8, split="test")


def test_load_fashion_mnist_test_split():
    ds, info = kd.load("fashion_mnist", split="test", batch_size=1000, shuffle=False)
    assert info["num_examples"] == 10000 and info["image_shape"] == (28, 28, 1)
    first = next(iter(ds)).numpy()
    images, _ = kd.load_fashion_mnist("test", data_dir=DEBIAN_DIR)
    np.testing.assert_allclose(first, images[:1000] / 127.5 - 1.0, atol=1e-6)


def test_load_folder_by_path(tmp_path):
    for name, value in [("a", 0), ("b", 255)]:
        for i in range(3):
            write_image(tmp_path / name / f"{i}.png", gray(10, 10, value))
    ds, info = kd.load(tmp_path, batch_size=2, image_size=8, with_labels=True, shuffle=False)
    assert info["num_classes"] == 2 and info["class_names"] == ["a", "b"] and info["image_shape"] == (8, 8, 1)
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
    np.testing.assert_array_equal(np.concatenate(ys), [0, 0, 0, 1, 1, 1])
    np.testing.assert_allclose(np.concatenate(xs)[3:], 1.0)
    flat = tmp_path / "a"
    _, flat_info = kd.load(str(flat), batch_size=3)
    assert flat_info["num_classes"] is None and flat_info["class_names"] == []
    with pytest.raises(ValueError, match="has no class labels"):
        kd.load(flat, batch_size=3, with_labels=True)


def test_load_arrays_resizes():
    images, labels, info = kd.load_arrays("embedded", image_size=32)
    assert images.shape == (6000, 32, 32, 1) and images.dtype == np.uint8
    assert info["image_shape"] == (32, 32, 1) and len(labels) == 6000
    original, _ = kd.load_embedded()
    assert abs(float(images.mean()) - float(original.mean())) < 1.0  # same content, new size


# === TensorFlow Datasets catalog (offline: tfds' own mock data, no download) ===


def test_tfds_unknown_name():
    with pytest.raises(ValueError, match="unknown tfds dataset 'no_such_dataset_xyz'"):
        kd.load_tfds("no_such_dataset_xyz")


def test_tfds_names_go_through_the_catalog():
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=12):
        ds, info = kd.load("mnist", batch_size=4, with_labels=True)
        assert info["name"] == "tfds:mnist" and info["num_examples"] == 12
        assert info["num_classes"] == 10 and info["image_shape"] == (28, 28, 1)
        x, y = next(iter(ds))
        assert x.shape == (4, 28, 28, 1) and y.dtype == tf.int32
        with pytest.raises(ValueError, match="varying sizes .*pass image_size"):
            kd.load_tfds("tf_flowers")
        images, labels, class_names = kd.load_tfds("tf_flowers", image_size=16)
        assert images.shape == (12, 16, 16, 3) and images.dtype == np.uint8
        assert len(class_names) == 5 and labels.max() < 5


@pytest.mark.parametrize("maker", ["images", "labels", "domains", "paired", "unpaired"])
def test_start_batch_k_is_the_stream_after_k_batches(maker):
    """Every training stream the CLI uses can start at batch k, equal to the whole stream after k batches, across
    epoch boundaries and reshuffles (issue 18: exact resume without reading the skipped batches)."""
    from keras_gans.datasets.translation import make_translation_dataset

    rng = np.random.RandomState(0)
    a = rng.randint(0, 256, (20, 8, 8, 1)).astype(np.uint8)
    b = rng.randint(0, 256, (13, 8, 8, 1)).astype(np.uint8)
    labels = np.arange(20) % 10

    def stream(start):
        if maker in ("images", "labels"):
            return kd.make_dataset(a, labels if maker == "labels" else None, batch_size=6, seed=2, repeat=True,
                                   start_batch=start)
        if maker == "domains":
            return kd.make_domain_dataset(a, b, batch_size=6, seed=2, repeat=True, start_batch=start)
        return make_translation_dataset(a, a[::-1] if maker == "paired" else b, batch_size=6,
                                        paired=maker == "paired", load_size=10, seed=2, repeat=True,
                                        start_batch=start)

    whole = list(stream(0).take(12))  # 4 passes over the 20 images at 3 batches each
    later = list(stream(7).take(5))
    flat = lambda batch: [np.asarray(t) for t in tf.nest.flatten(batch)]  # noqa: E731
    for expected, got in zip(whole[7:], later):
        for x, y in zip(flat(expected), flat(got)):
            np.testing.assert_array_equal(x, y)
    assert not np.array_equal(flat(whole[0])[0], flat(later[0])[0])
    with pytest.raises(ValueError, match="start_batch must be an integer >= 0, got -1"):
        stream(-1)


@pytest.mark.parametrize("maker", ["images", "domains", "paired"])
def test_pipelines_end_without_the_autotune_model_thread(maker):
    """The package's training streams turn tf.data's autotuning model off: with it, ``fit`` often waits seconds
    after its last step for the thread's next wake-up (issue 22, ``datasets.pipeline.prefetched``); they still
    prefetch."""
    from keras_gans.datasets.translation import make_translation_dataset

    a = np.random.RandomState(0).randint(0, 256, (12, 8, 8, 1)).astype(np.uint8)
    ds = {"images": lambda: kd.make_dataset(a, batch_size=4),
          "domains": lambda: kd.make_domain_dataset(a, a[::-1], batch_size=4),
          "paired": lambda: make_translation_dataset(a, a[::-1], batch_size=4, paired=True, load_size=10)}[maker]()
    assert ds.options().autotune.enabled is False
    assert b"PrefetchDataset" in ds._as_serialized_graph().numpy()
