"""The MNIST judge: trained once, cached under nnlab's cache directory, reloaded
identically."""
import pytest
import torch

import nnlab.data.datasets

from nnlab.generative import mnist_judge


def test_judge_is_trained_then_cached_and_reloaded(tmp_path, monkeypatch):
    monkeypatch.setattr(nnlab.data.datasets, "cache_dir", lambda: tmp_path)  # models only
    judge = mnist_judge(epochs=1, train=1000)
    file = tmp_path / "models" / "mnist_judge_e1_n1000_s0.safetensors"
    assert file.exists()
    x = torch.rand(8, 28, 28, 1) * 2 - 1
    with torch.no_grad():
        first = judge(x)
    again = mnist_judge(epochs=1, train=1000)  # loaded, not retrained
    with torch.no_grad():
        torch.testing.assert_close(again(x), first)
    assert first.shape == (8, 10) and not again.training


@pytest.mark.parametrize("kwargs, message", [
    ({"epochs": 0}, "mnist_judge: epochs must be a positive int, got 0"),
    ({"train": 70000}, r"mnist_judge: train must be an int in \[1, 60000\], got 70000"),
])
def test_judge_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mnist_judge(**kwargs)
