"""Content/style folders for AdaIN training: real garments (grayscale PNG) and real photographs (JPEG)."""

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_sample_images

from keras_gans.datasets.style_transfer import content_style_dataset, list_images


@pytest.fixture(scope="module")
def folders(tmp_path_factory, fashion):
    root = tmp_path_factory.mktemp("style_data")
    content, style = root / "content", root / "style"
    (content / "sub").mkdir(parents=True)
    style.mkdir()
    garments = np.round((fashion[0][:5, ..., 0] + 1) * 127.5).astype(np.uint8)
    for i, g in enumerate(garments):  # 28x28 grayscale PNGs, one in a sub-folder
        Image.fromarray(g, "L").save(content / ("sub" if i == 4 else ".") / f"garment{i}.png")
    photos = load_sample_images().images
    Image.fromarray(photos[0][:200, :300]).save(style / "china.jpg")
    Image.fromarray(photos[1][50:150, 100:400]).save(style / "flower.jpg")
    rgba = np.concatenate([photos[1][:64, :80], np.full((64, 80, 1), 200, np.uint8)], axis=-1)
    Image.fromarray(rgba, "RGBA").save(style / "flower_alpha.png")
    return content, style


def test_batches_of_random_crops(folders):
    content, style = folders
    ds, info = content_style_dataset(content, style, batch_size=2, load_size=40, crop_size=32, seed=3)
    batches = list(ds)
    assert len(batches) == 2  # 5 content images, batch 2, remainder dropped: one epoch = one pass over content
    assert ds.options().autotune.enabled is False  # no autotune model thread to wait for (issue 22)
    c, s = batches[0]
    assert c.shape == s.shape == (2, 32, 32, 3) and c.dtype.name == "float32"
    c, s = np.asarray(c), np.asarray(s)
    assert c.min() >= 0 and c.max() <= 255 and s.max() > 100
    np.testing.assert_array_equal(c[..., 0], c[..., 2])  # grayscale converted to RGB by repeating
    assert np.abs(s[..., 0] - s[..., 2]).mean() > 5  # real colour photographs
    assert info["num_examples"] == 5 and info["num_styles"] == 3 and info["image_shape"] == (32, 32, 3)
    assert info["conversions"] == ["content: converted 5 grayscale image(s) to RGB",
                                   "style: converted 1 RGBA image(s) to RGB"]
    again, _ = content_style_dataset(content, style, batch_size=2, load_size=40, crop_size=32, seed=3)
    np.testing.assert_array_equal(next(iter(again))[1], batches[0][1])  # same seed, same crops
    repeated, _ = content_style_dataset(content, style, batch_size=2, load_size=40, crop_size=32, repeat=True)
    assert len(list(repeated.take(7))) == 7


def test_bad_folders_and_files_are_clear_errors(folders, tmp_path):
    content, style = folders
    with pytest.raises(FileNotFoundError, match="content folder .*missing does not exist"):
        content_style_dataset(tmp_path / "missing", style)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="style folder .*empty has no images"):
        content_style_dataset(content, tmp_path / "empty", batch_size=2, load_size=40, crop_size=32)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bad.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    with pytest.raises(ValueError, match="cannot read style image .*bad.jpg"):
        list_images(broken, "style")
    deep = tmp_path / "deep"
    deep.mkdir()
    Image.fromarray(np.full((20, 20), 40000, np.uint16)).save(deep / "depth.png")  # 16-bit PNG
    with pytest.raises(ValueError, match="depth.png has Pillow mode .I"):
        list_images(deep, "content")
    with pytest.raises(ValueError, match="crop_size 64 is larger than load_size 40"):
        content_style_dataset(content, style, load_size=40, crop_size=64)
    with pytest.raises(ValueError, match=r"batch size 8 is larger than the number of content images \(5\)"):
        content_style_dataset(content, style, batch_size=8, load_size=40, crop_size=32)


def test_start_batch_continues_both_streams_exactly(folders):
    """A resumed run starts at batch k of the same (content, style) stream, crops included (issue 18)."""
    content, style = folders
    kwargs = dict(batch_size=2, load_size=32, crop_size=24, seed=5, repeat=True)
    whole = list(content_style_dataset(content, style, **kwargs)[0].take(9))
    later = list(content_style_dataset(content, style, start_batch=6, **kwargs)[0].take(3))
    for (c, s), (c2, s2) in zip(whole[6:], later):
        np.testing.assert_array_equal(c, c2)
        np.testing.assert_array_equal(s, s2)
    assert not np.array_equal(whole[0][0], later[0][0])
