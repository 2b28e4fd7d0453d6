"""GeneratorEMA: the averaged weights follow the EMA recursion step by step, and the
standing batch-norm statistics are the statistics of one large batch of z."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab.data import load_digits
from nnlab.generative import GeneratorEMA, dcgan
from nnlab.callbacks import Callback


def _gan():
    nnlab.set_seed(0)
    return dcgan(latent_dim=8, image_shape=(8, 8, 1), base=4)


class Snapshots(Callback):
    """G's parameters after every batch (runs before the EMA callback in the list)."""

    def __init__(self, gan):
        super().__init__()
        self.gan, self.seen = gan, []

    def on_train_batch_end(self, batch, logs=None):
        self.seen.append([p.detach().clone() for p in self.gan.generator.parameters()])


def test_ema_weights_follow_the_recursion():
    gan, (x, _) = _gan(), load_digits()[0]
    x = (x[:96, ..., None] / 8.0 - 1.0).astype("float32")
    snaps, ema = Snapshots(gan), GeneratorEMA(gan, decay=0.8, stats_batch=64)
    gan.fit(x, epochs=2, batch_size=32, verbose=0, callbacks=[snaps, ema])
    assert len(snaps.seen) == 6
    want = snaps.seen[0]  # the first update copies the weights
    for step in snaps.seen[1:]:
        want = [0.8 * w + 0.2 * p for w, p in zip(want, step)]
    got = list(ema.averaged.module.parameters())
    for w, g in zip(want, got):
        torch.testing.assert_close(g, w, rtol=1e-5, atol=1e-6)
    last = snaps.seen[-1]
    assert any(not torch.allclose(g, p) for g, p in zip(got, last))  # not just a copy


def test_standing_statistics_are_one_big_batch():
    gan = _gan()
    ema = GeneratorEMA(gan, decay=0.9, stats_batch=4096)
    ema.on_train_batch_end(0)
    torch.manual_seed(3)
    images = ema.generate(4096)  # eval mode, after recomputing the BN statistics
    net = ema.averaged.module
    bns = [m for m in net.modules() if hasattr(m, "moving_mean")]
    assert bns and all(m.momentum == 0.99 for m in bns)  # momentum restored
    torch.manual_seed(3)
    z = torch.randn(4096, 8)  # the z the statistics were computed on
    with torch.no_grad():
        h = net.layers[0](z)  # the first BN's input (Dense output)
    np.testing.assert_allclose(bns[0].moving_mean.numpy(), h.mean(0).numpy(), atol=1e-5)
    np.testing.assert_allclose(bns[0].moving_variance.numpy(), h.var(0).numpy(), rtol=1e-4)
    assert images.shape == (4096, 8, 8, 1) and images.abs().max() <= 1


def test_bad_decay():
    with pytest.raises(ValueError, match=r"GeneratorEMA: decay must be in \(0, 1\), got 1.0"):
        GeneratorEMA(_gan(), decay=1.0)
