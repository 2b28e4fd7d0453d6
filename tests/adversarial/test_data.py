"""adversarial.mnist_tensors: MNIST as the attacks take it."""
import numpy as np
import torch

from nnlab import adversarial as adv
from nnlab.data import load_mnist


def test_mnist_tensors_are_scaled_images_with_a_channel_axis():
    (x, y), (xt, yt) = adv.mnist_tensors()
    (ax, ay), (_, ayt) = load_mnist()
    assert x.shape == (len(ax), 28, 28, 1) and x.dtype == torch.float32
    assert xt.shape[1:] == (28, 28, 1) and len(xt) == len(yt) == len(ayt)
    assert y.dtype == yt.dtype == torch.int64 and int(y.max()) == 9
    assert 0.0 <= float(x.min()) and float(x.max()) == 1.0
    np.testing.assert_allclose(x[:5, :, :, 0].numpy(), ax[:5] / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y.numpy(), ay)
