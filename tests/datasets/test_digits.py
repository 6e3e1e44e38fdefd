"""The offline digit domains: deterministic, held-out test splits, the right shapes and labels."""

import numpy as np
import pytest

from keras_gans.datasets import load_digit_domain, load_handwritten_digits, load_printed_digits
from keras_gans.datasets.digits import find_fonts


def test_printed_digits_are_deterministic_balanced_and_held_out():
    a, la = load_printed_digits("train", num=40, seed=3)
    b, lb = load_printed_digits("train", num=40, seed=3)
    c, _ = load_printed_digits("train", num=40, seed=4)
    test, lt = load_printed_digits("test", num=40, seed=3)
    assert a.shape == (40, 32, 32, 3) and a.dtype == np.uint8 and la.dtype == np.int32
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert not np.array_equal(a, c) and not np.array_equal(a, test)
    assert sorted(np.bincount(la)) == [4] * 10 and sorted(np.bincount(lt)) == [4] * 10
    assert a.std() > 20  # coloured backgrounds, ink and noise, not blank images
    assert len(find_fonts()) >= 1


def test_handwritten_digits_are_the_real_uci_images_split_500_held_out():
    train, train_labels = load_handwritten_digits("train")
    test, test_labels = load_handwritten_digits("test")
    assert train.shape == (1297, 32, 32, 1) and test.shape == (500, 32, 32, 1)
    assert set(np.unique(train_labels)) == set(range(10)) == set(np.unique(test_labels))
    # white ink on black as in MNIST; no image is in both splits
    assert train[:, 0, 0, 0].mean() < 10 and train.max() == 255
    flat_train = {x.tobytes() for x in train}
    assert not any(x.tobytes() in flat_train for x in test)


def test_bad_domain_arguments():
    with pytest.raises(ValueError, match="unknown digit domain 'svhn'"):
        load_digit_domain("svhn")
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        load_printed_digits("validation", num=2)
    with pytest.raises(ValueError, match="num must be a positive integer"):
        load_printed_digits("train", num=0)
