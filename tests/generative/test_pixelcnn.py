"""PixelCNN: the whole network is causal, NLL equals the hand-computed cross-entropy,
training lowers it, sampling works, bad inputs are named."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab.data import load_digits
from nnlab.generative import PixelCNN


def _binary_digits():
    (x, _), (xt, _) = load_digits()
    return (x[..., None] > 7).astype("float32"), (xt[..., None] > 7).astype("float32")


@pytest.mark.parametrize("output", ["binary", "categorical"])
def test_network_is_autoregressive(output):
    model = PixelCNN((6, 6, 1), filters=8, blocks=2, kernel_size=3, output=output, levels=4)
    x = torch.rand(1, 6, 6, 1, requires_grad=True)
    logits = model(x)
    for i in range(6):
        for j in range(6):
            (g,) = torch.autograd.grad(logits[0, i, j].sum(), x, retain_graph=True)
            seen = g[0, ..., 0].abs() > 0
            assert not seen[i, j]
            assert not seen[i, j + 1:].any() and not seen[i + 1:].any()
            if (i, j) != (0, 0):
                assert seen.flatten()[: i * 6 + j].any()


def test_nll_is_the_summed_cross_entropy_and_training_lowers_it():
    x, xt = _binary_digits()
    model = PixelCNN((8, 8, 1), filters=16, blocks=1, kernel_size=3)
    logits = model(torch.from_numpy(xt[:4]))
    p = torch.sigmoid(logits)
    t = torch.from_numpy(xt[:4])
    manual = -(t * p.log() + (1 - t) * (1 - p).log()).sum((1, 2, 3))
    torch.testing.assert_close(model.nll(xt[:4]), manual, rtol=1e-4, atol=1e-3)
    model.compile(optimizer=nnlab.optimizers.Adam(3e-3))
    before = model.evaluate(xt, verbose=0)
    h = model.fit(x, epochs=3, batch_size=64, verbose=0, validation_data=(xt,))
    assert h.history["val_loss"][-1] < before - 5
    samples = model.sample(3)
    assert samples.shape == (3, 8, 8, 1) and set(np.unique(samples.numpy())) <= {0.0, 1.0}


def test_categorical_output_uses_levels():
    (x, _), _ = load_digits()
    x = x[:64, ..., None] / 16.0  # 17 grey levels
    model = PixelCNN((8, 8, 1), filters=8, blocks=1, kernel_size=3, output="categorical",
                     levels=17)
    assert model(torch.from_numpy(x[:2]).float()).shape == (2, 8, 8, 17)
    uniform = 64 * np.log(17)
    assert model.nll(x).mean().item() == pytest.approx(uniform, rel=0.2)
    s = model.sample(2)
    assert torch.allclose(s * 16, torch.round(s * 16))


def test_bad_inputs_are_named():
    model = PixelCNN((8, 8, 1), filters=4, blocks=1, kernel_size=3)
    with pytest.raises(ValueError, match="built for images of shape \\(8, 8, 1\\), got "
                                         "image_shape=\\(28, 28, 1\\)"):
        model.sample(2, image_shape=(28, 28, 1))
    with pytest.raises(ValueError, match="Bernoulli likelihood needs data in \\[0, 1\\]"):
        model.nll(np.full((2, 8, 8, 1), 255.0, "float32"))
    with pytest.raises(ValueError, match="expected images of shape \\(batch,\\) \\+ \\(8, 8, 1\\)"):
        model.nll(np.zeros((2, 7, 7, 1), "float32"))
    with pytest.raises(ValueError, match="image_shape must be \\(height, width, 1\\)"):
        PixelCNN((8, 8, 3))
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        PixelCNN((8, 8, 1), kernel_size=4)
