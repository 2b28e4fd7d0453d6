"""load_img / img_to_array / array_to_img / save_img round trips, against Keras 3."""
import numpy as np
import pytest

from nnlab.utils import array_to_img, img_to_array, load_img, save_img


@pytest.fixture
def photo(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(12, 16, 3)).astype("float32")
    path = tmp_path / "photo.png"
    save_img(path, x, scale=False)
    return path, x


def test_png_round_trip_is_exact(photo):
    path, x = photo
    img = load_img(path)
    assert img.size == (16, 12)
    np.testing.assert_array_equal(img_to_array(img), x)
    assert img_to_array(img, data_format="channels_first").shape == (3, 12, 16)
    assert img_to_array(load_img(path, color_mode="grayscale")).shape == (12, 16, 1)


def test_matches_keras(keras, photo):
    path, x = photo
    for kwargs in (dict(), dict(target_size=(6, 5)), dict(color_mode="grayscale"),
                   dict(target_size=(8, 8), interpolation="bilinear", keep_aspect_ratio=True)):
        ours = img_to_array(load_img(path, **kwargs))
        theirs = keras.utils.img_to_array(keras.utils.load_img(path, **kwargs))
        np.testing.assert_array_equal(ours, theirs)
    z = np.random.default_rng(1).normal(size=(4, 5, 1)).astype("float32")
    np.testing.assert_array_equal(np.asarray(array_to_img(z)),
                                  np.asarray(keras.utils.array_to_img(z)))


def test_bad_input_is_explained(tmp_path, photo):
    with pytest.raises(FileNotFoundError, match="no image file"):
        load_img(tmp_path / "missing.png")
    with pytest.raises(ValueError, match="color_mode must be one of"):
        load_img(photo[0], color_mode="cmyk")
    with pytest.raises(ValueError, match="expected a 3-D image array"):
        array_to_img(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="channels must be 1, 3 or 4, got 2"):
        array_to_img(np.zeros((4, 4, 2)))
