"""An exponential moving average of a GAN's generator weights, kept by a callback during
``fit`` (Yazici et al. 2019, "The unusual effectiveness of averaging in GAN training";
used by ProGAN/StyleGAN/BigGAN): samples from the averaged weights are smoother and score
better than the last iterate, which oscillates with the adversarial game.

The averaging is torch's ``torch.optim.swa_utils.AveragedModel`` with
``get_ema_multi_avg_fn(decay)``. Batch-norm moving statistics do not average with the
weights, so before sampling the averaged generator's statistics are recomputed on one
large batch of ``z`` ("standing statistics", BigGAN's remedy); torch's ``update_bn``
only knows torch's own BN modules, so that step is hand-written here.
"""
from __future__ import annotations

from typing import Any

import torch

from ..callbacks import Callback

__all__ = ["GeneratorEMA"]


class GeneratorEMA(Callback):
    """Keep ``decay``-EMA weights of ``gan.generator``, updated after every batch.

    Args:
        gan: the :class:`~nnlab.generative.GAN` being fitted.
        decay: EMA decay per step (0.999: an average over ~1,000 recent steps).
        stats_batch: ``z`` batch size for the standing BN statistics.

    ``ema.generate(n_or_z)`` -> images ``(n, h, w, c)`` from the averaged generator
    (eval mode, no gradients), like :meth:`GAN.generate`.
    """

    def __init__(self, gan: Any, decay: float = 0.999, stats_batch: int = 2000):
        super().__init__()
        if not 0.0 < decay < 1.0:
            raise ValueError(f"GeneratorEMA: decay must be in (0, 1), got {decay!r}")
        from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
        self.gan, self.stats_batch = gan, int(stats_batch)
        self.averaged = AveragedModel(gan.generator, multi_avg_fn=get_ema_multi_avg_fn(decay))
        self._stale = True

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        self.averaged.update_parameters(self.gan.generator)
        self._stale = True

    def _standing_stats(self) -> None:
        """Moving mean/variance of every BN layer := the statistics of one big batch."""
        net = self.averaged.module
        bns = [m for m in net.modules() if hasattr(m, "moving_mean") and hasattr(m, "momentum")]
        saved = [m.momentum for m in bns]
        try:
            for m in bns:
                m.momentum = 0.0  # Keras convention: moving = batch statistic
            net.train()
            with torch.no_grad():
                net(torch.randn(self.stats_batch, self.gan.latent_dim), training=True)
        finally:
            for m, mom in zip(bns, saved):
                m.momentum = mom
            net.eval()
        self._stale = False

    def generate(self, n_or_z: Any) -> torch.Tensor:
        """Images from ``n`` random ``z`` or the given ``(n, latent_dim)`` ``z``."""
        if self._stale:
            self._standing_stats()
        z = torch.randn(n_or_z, self.gan.latent_dim) if isinstance(n_or_z, int) else n_or_z
        net = self.averaged.module
        net.eval()
        with torch.no_grad():
            return net(torch.as_tensor(z, dtype=torch.float32), training=False)
