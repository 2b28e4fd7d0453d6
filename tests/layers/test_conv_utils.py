"""Explicit (PyTorch-style) window padding and channels_last kernels (layers/conv_utils.py)."""
import collections

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import nnlab
from nnlab import layers as L


def _ops(fn) -> collections.Counter:
    with torch.profiler.profile() as prof:
        fn()
    return collections.Counter(e.name for e in prof.events())


def test_explicit_conv_padding_equals_zero_padding_then_valid():
    torch.manual_seed(0)
    x = torch.randn(2, 17, 17, 3)
    conv = L.Conv2D(8, 7, strides=2, padding=3)
    reference = L.Conv2D(8, 7, strides=2, padding="valid")
    y = conv(x)
    reference(x)
    reference.set_weights(conv.get_weights())
    expected = reference(L.ZeroPadding2D(3)(x))
    assert y.shape == (2, 9, 9, 8)
    assert conv.compute_output_shape((None, 17, 17, 3)) == (None, 9, 9, 8)
    torch.testing.assert_close(y, expected, rtol=1e-5, atol=1e-5)


def test_explicit_padding_round_trips_through_config():
    conv = L.Conv2D(4, 3, strides=2, padding=(1, 2))
    clone = L.Conv2D.from_config(conv.get_config())
    assert clone.padding == (1, 2)
    assert nnlab.Sequential([nnlab.Input((8, 8, 1)), clone]).output_shape == (None, 4, 5, 4)


def test_explicit_max_pool_padding_is_torchs():
    x = torch.randn(2, 9, 9, 4)
    y = L.MaxPooling2D(3, strides=2, padding=1)(x)
    expected = F.max_pool2d(x.permute(0, 3, 1, 2), 3, 2, 1).permute(0, 2, 3, 1)
    torch.testing.assert_close(y, expected)
    # after a ReLU, zero padding and -inf padding give the same maximum (the zoo relies on it)
    r = x.relu()
    torch.testing.assert_close(L.MaxPooling2D(3, strides=2, padding=1)(r),
                               L.MaxPooling2D(3, strides=2)(L.ZeroPadding2D(1)(r)))


def test_bad_explicit_padding_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match=r"MaxPooling2D: explicit padding \(2, 2\) must be at "
                                         r"most half the pool size \(3, 3\)"):
        L.MaxPooling2D(3, padding=2)
    with pytest.raises(ValueError, match=r"Conv2D: padding must be one of 'valid', 'same' or 2 "
                                         r"non-negative int\(s\) of explicit padding, got -1"):
        L.Conv2D(4, 3, padding=-1)
    with pytest.raises(Exception, match=r"\(N - F \+ 2P\)/S \+ 1 = \(3 - 7 \+ 2\*1\)/1 \+ 1"):
        nnlab.Sequential([nnlab.Input((3, 3, 1)), L.Conv2D(4, 7, padding=1)])


@pytest.mark.parametrize("kernel_size", [3, 1])
def test_channels_last_conv_kernel_is_never_copied_in_a_training_step(kernel_size):
    """A kernel in the default contiguous format was cloned to channels_last in the forward
    pass, again in the backward pass, and its gradient copied when accumulated (for 1x1
    kernels: when the kernel's strides differed from those of oneDNN's gradient)."""
    conv = L.Conv2D(16, kernel_size, padding="same")
    x = torch.randn(4, 12, 12, 8)
    conv(x)
    assert conv.kernel.shape == (16, 8, kernel_size, kernel_size)
    assert conv.kernel.is_contiguous(memory_format=torch.channels_last)
    conv.train()

    def step():
        conv(x).square().mean().backward()

    step()
    conv.kernel.grad = None
    ops = _ops(step)
    assert ops["aten::clone"] == 0 and ops["aten::contiguous"] == 0, ops
    assert conv.kernel.grad.stride() == conv.kernel.stride()


def test_channels_last_kernel_keeps_values_through_weights_and_files(tmp_path):
    model = nnlab.Sequential([nnlab.Input((6, 6, 2)), L.Conv2D(3, 3), L.Conv2DTranspose(2, 3),
                              L.SeparableConv2D(4, 3)])
    x = torch.randn(2, 6, 6, 2)
    expected = model.predict(x, verbose=0)
    path = tmp_path / "m.nnlab"
    model.save(path)
    loaded = nnlab.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-6)
    fresh = nnlab.Sequential([nnlab.Input((6, 6, 2)), L.Conv2D(3, 3), L.Conv2DTranspose(2, 3),
                              L.SeparableConv2D(4, 3)])
    fresh.set_weights(model.get_weights())
    np.testing.assert_allclose(fresh.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-6)


def test_channels_first_layers_keep_the_default_kernel_format():
    conv = L.Conv2D(16, 3, data_format="channels_first")
    conv(torch.randn(1, 8, 5, 5))
    assert conv.kernel.is_contiguous()
