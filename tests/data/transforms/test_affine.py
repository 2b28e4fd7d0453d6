"""RandomAffine: known-answer shifts and zooms, and rotation equal to RandomRotation's."""
import pytest
import torch

from nnlab.data.transforms import RandomAffine, RandomRotation


def test_translation_moves_content_by_whole_pixels():
    x = torch.arange(16.0).reshape(1, 4, 4, 1)
    down = RandomAffine(translate=(0.25, 0.25), fill_mode="constant", seed=0)(x)
    assert torch.allclose(down[0, 1:, :, 0], x[0, :3, :, 0], atol=1e-5)
    assert torch.all(down[0, 0] == 0)
    right = RandomAffine(translate_width=(0.5, 0.5), fill_mode="constant", seed=0)(x)
    assert torch.allclose(right[0, :, 2:, 0], x[0, :, :2, 0], atol=1e-5)


def test_zoom_in_by_two_takes_the_centre():
    x = torch.zeros(1, 1, 8, 8)
    x[..., 2:6, 2:6] = 1.0
    out = RandomAffine(zoom=(0.5, 0.5), interpolation="nearest", seed=0,
                       data_format="channels_first")(x)
    assert torch.all(out == 1.0)  # the 4x4 centre fills the whole image


def test_rotation_agrees_with_random_rotation():
    x = torch.rand(3, 6, 9, 2)
    ours = RandomAffine(degrees=30, seed=5)(x)
    ref = RandomRotation(30, seed=5)(x)
    assert torch.allclose(ours, ref, atol=1e-5)


def test_bad_ranges_are_explained():
    with pytest.raises(ValueError, match="zoom scales must be > 0"):
        RandomAffine(zoom=(0.0, 1.0))
    with pytest.raises(ValueError, match="low <= high"):
        RandomAffine(translate=(0.3, 0.1))
