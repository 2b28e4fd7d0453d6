"""MaxPooling2D(return_indices=True) + MaxUnpooling2D."""
import pytest
import torch

from nnlab.layers import MaxPooling2D, MaxUnpooling2D


def test_unpool_puts_maxima_back():
    x = torch.rand(2, 6, 8, 3) + 0.1   # positive, so a zeroed place never beats a max
    pooled, idx = MaxPooling2D(2, return_indices=True)(x)
    assert torch.equal(pooled, MaxPooling2D(2)(x))
    up = MaxUnpooling2D(2)(pooled, idx)
    assert up.shape == x.shape
    # every window keeps exactly its max, in place, zeros elsewhere
    windows = x.reshape(2, 3, 2, 4, 2, 3).permute(0, 1, 3, 5, 2, 4).reshape(2, 3, 4, 3, 4)
    kept = up.reshape(2, 3, 2, 4, 2, 3).permute(0, 1, 3, 5, 2, 4).reshape(2, 3, 4, 3, 4)
    assert torch.equal(kept.max(-1).values, windows.max(-1).values)
    assert ((kept != 0).sum(-1) == 1).all()


def test_unpool_odd_size_and_errors():
    x = torch.randn(1, 5, 5, 2)
    pooled, idx = MaxPooling2D(2, return_indices=True)(x)
    assert MaxUnpooling2D(2)(pooled, idx, output_size=(5, 5)).shape == x.shape
    with pytest.raises(ValueError, match="needs padding='valid'"):
        MaxPooling2D(2, padding="same", return_indices=True)(x)
    with pytest.raises(ValueError, match="needs the indices"):
        MaxUnpooling2D(2)(pooled)


def test_return_indices_survives_config_round_trip():
    layer = MaxPooling2D(2, return_indices=True)
    config = layer.get_config()
    assert config["return_indices"] is True
    clone = MaxPooling2D.from_config(config)
    assert clone.return_indices is True
    x = torch.rand(1, 4, 4, 2)
    pooled, idx = clone(x)     # a tuple, as the original layer returns
    assert torch.equal(idx, layer(x)[1])
    assert MaxPooling2D.from_config(MaxPooling2D(2).get_config()).return_indices is False
