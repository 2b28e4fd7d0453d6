"""Generative adversarial networks (Goodfellow et al. 2014), trained through ``fit`` with
the model's own ``train_step`` and two optimizers (Keras 3's GAN pattern).

With ``D(x)`` the discriminator's logit and ``s`` the sigmoid, per batch:

    discriminator:      L_D = -mean(log s(D(x))) - mean(log(1 - s(D(G(z)))))
    generator, minimax: L_G =  mean(log(1 - s(D(G(z)))))          (the game's own value)
    non-saturating:     L_G = -mean(log s(D(G(z))))               (strong early gradients)

Both are computed from logits with ``softplus`` (``-log s(a) = softplus(-a)``), which
stays finite when ``D`` is confident. Images are expected in [-1, 1] (tanh generator).
"""
from __future__ import annotations

from typing import Any, Optional

import torch
import torch.nn.functional as F

from ..layers.base.torch_module import call_in_mode
from ..models.model import Model
from .steps import first_input, minimize, params_of

__all__ = ["GAN", "discriminator_loss", "generator_loss", "interpolate"]


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor,
                       label_smoothing: float = 0.0) -> torch.Tensor:
    """``-mean log s(D(x)) - mean log(1 - s(D(G(z))))`` from logits.

    ``label_smoothing`` = ``a`` > 0 is one-sided label smoothing (Salimans et al. 2016):
    the real images' target becomes ``1 - a`` (cross-entropy ``(1 - a) softplus(-D(x)) +
    a softplus(D(x))``); the fakes' target stays 0.
    """
    _check_smoothing("discriminator_loss", label_smoothing)
    real = F.softplus(-real_logits).mean()
    if label_smoothing:
        real = (1 - label_smoothing) * real + label_smoothing * F.softplus(real_logits).mean()
    return real + F.softplus(fake_logits).mean()


def _check_smoothing(owner: str, value: Any) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value < 0.5:
        raise ValueError(f"{owner}: label_smoothing must be a number in [0, 0.5), "
                         f"got {value!r}")


def generator_loss(fake_logits: torch.Tensor, kind: str = "non_saturating") -> torch.Tensor:
    """``"minimax"``: ``mean log(1 - s(D(G(z))))``; ``"non_saturating"``:
    ``-mean log s(D(G(z)))``."""
    if kind == "minimax":
        return -F.softplus(fake_logits).mean()
    if kind == "non_saturating":
        return F.softplus(-fake_logits).mean()
    raise ValueError(f"generator_loss: kind must be 'minimax' or 'non_saturating', got {kind!r}")


class GAN(Model):
    """A generator ``G: (batch, latent_dim) -> images`` and a discriminator
    ``D: images -> (batch, 1)`` logits, one D step then one G step per batch.

    Args:
        generator, discriminator: models (any ``nn.Module`` works).
        latent_dim: size of ``z ~ N(0, I)``.
        generator_loss: ``"non_saturating"`` (default) or ``"minimax"``.
        label_smoothing: one-sided label smoothing of D's real target (``1 - a``; 0.1 is
            Salimans et al.'s 0.9), in [0, 0.5); 0 (default) is the plain game.

    ``compile(d_optimizer=..., g_optimizer=...)`` takes the two optimizers (Keras names);
    ``fit(images, epochs=...)`` trains; logs ``d_loss``, ``g_loss``, ``d_real`` and
    ``d_fake`` (mean D probabilities). ``checkpoint_dir`` resumes both optimizers.
    """

    def __init__(self, generator: Any, discriminator: Any, latent_dim: int,
                 generator_loss: str = "non_saturating", label_smoothing: float = 0.0,
                 **kwargs: Any):
        super().__init__(**kwargs)
        import nnlab
        _check_smoothing("GAN", label_smoothing)
        self.label_smoothing = float(label_smoothing)
        if generator_loss not in ("minimax", "non_saturating"):
            raise ValueError(f"GAN: generator_loss must be 'minimax' or 'non_saturating', "
                             f"got {generator_loss!r}")
        self.generator, self.discriminator = generator, discriminator
        self.latent_dim, self.generator_loss = latent_dim, generator_loss
        self.trackers = [nnlab.metrics.Mean(name=n)
                         for n in ("d_loss", "g_loss", "d_real", "d_fake")]
        self.built = True

    def compile(self, d_optimizer: Any = None, g_optimizer: Any = None, **kwargs: Any) -> None:
        """Keep the two optimizers (defaults: DCGAN's Adam(2e-4, beta_1=0.5))."""
        import nnlab
        super().compile(**kwargs)
        adam = lambda: nnlab.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)  # noqa: E731
        self.d_optimizer = d_optimizer if d_optimizer is not None else adam()
        self.g_optimizer = g_optimizer if g_optimizer is not None else adam()

    @property
    def metrics(self) -> list:
        return self.trackers

    def call(self, z: torch.Tensor, training: Optional[bool] = None) -> torch.Tensor:
        """``G(z)``: images from latent vectors."""
        return call_in_mode(self.generator, z, training)

    def generate(self, n_or_z: Any) -> torch.Tensor:
        """Images (eval mode, no gradients) from ``n`` random ``z`` or the given ``z``."""
        z = torch.randn(n_or_z, self.latent_dim) if isinstance(n_or_z, int) else n_or_z
        was = self.training
        self.eval()
        try:
            with torch.no_grad():
                return call_in_mode(self.generator, torch.as_tensor(z, dtype=torch.float32), False)
        finally:
            self.train(was)

    def train_step(self, data: Any) -> dict:
        if not hasattr(self, "d_optimizer"):
            raise RuntimeError("GAN: call compile(d_optimizer=..., g_optimizer=...) before fit")
        real = torch.as_tensor(first_input(data))
        n = real.shape[0]
        # discriminator step: real vs fake (fake detached: G is not updated here)
        fake = call_in_mode(self.generator, torch.randn(n, self.latent_dim), True)
        real_logits = call_in_mode(self.discriminator, real, True)
        fake_logits = call_in_mode(self.discriminator, fake.detach(), True)
        d_loss = discriminator_loss(real_logits, fake_logits, self.label_smoothing)
        minimize(self.d_optimizer, d_loss, params_of(self.discriminator))
        # generator step through the just-updated discriminator
        fake_logits = call_in_mode(self.discriminator, fake, True)
        g_loss = generator_loss(fake_logits, self.generator_loss)
        minimize(self.g_optimizer, g_loss, params_of(self.generator))
        values = (d_loss, g_loss, torch.sigmoid(real_logits).mean(),
                  torch.sigmoid(fake_logits).mean())
        for tracker, value in zip(self.trackers, values):
            tracker.update_state(value.detach())
        return {t.name: t.result() for t in self.trackers}


def interpolate(gan: GAN, z0: Any, z1: Any, steps: int = 10) -> torch.Tensor:
    """Images along the straight line from ``z0`` to ``z1`` (each ``(latent_dim,)``):
    ``(steps, *image_shape)``."""
    z0, z1 = torch.as_tensor(z0, dtype=torch.float32), torch.as_tensor(z1, dtype=torch.float32)
    t = torch.linspace(0, 1, steps)[:, None]
    return gan.generate((1 - t) * z0 + t * z1)
