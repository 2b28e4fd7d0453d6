"""Variational autoencoder (Kingma & Welling 2014) with the importance-weighted
log-likelihood estimate of Burda et al. (2016).

    q(z|x) = N(mu(x), diag(exp(log_var(x))))       encoder output: (batch, 2 * latent_dim)
    z      = mu + exp(log_var / 2) * eps,  eps ~ N(0, I)      (reparameterisation)
    ELBO   = E_q[log p(x|z)] - KL(q(z|x) || N(0, I))
    KL     = 0.5 * sum(mu**2 + exp(log_var) - 1 - log_var)     (closed form)
    log p(x) >= log (1/k) sum_i p(x, z_i) / q(z_i|x),  z_i ~ q  (IWAE bound, tighter with k)

Decoder likelihood: ``"bernoulli"`` (decoder outputs logits, data in [0, 1]) or
``"gaussian"`` (decoder outputs the mean, fixed ``gaussian_std``). All figures in nats per
example (sums over pixels and latent dimensions).
"""
from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import torch
import torch.nn.functional as F

from ..layers.base.torch_module import call_in_mode
from ..models.model import Model
from .steps import check_same_shape, check_unit_interval, first_input, minimize, params_of

__all__ = ["VAE", "kl_normal", "reparameterize", "mlp_vae", "latent_traversal"]

_LOG_2PI = math.log(2 * math.pi)


def kl_normal(mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """``KL(N(mu, exp(log_var)) || N(0, I))`` per example: ``(batch, d) -> (batch,)``."""
    return 0.5 * torch.sum(mu ** 2 + log_var.exp() - 1.0 - log_var, dim=-1)


def reparameterize(mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """``mu + sigma * eps``: a sample of ``q`` that gradients flow through to mu, log_var."""
    return mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)


def _log_normal(z: torch.Tensor, mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    return -0.5 * torch.sum(_LOG_2PI + log_var + (z - mu) ** 2 / log_var.exp(), dim=-1)


class VAE(Model):
    """VAE trained by ``fit(x)`` through its own ``train_step`` (loss = -ELBO).

    Args:
        encoder: ``(batch, *input_shape) -> (batch, 2 * latent_dim)`` (mu, then log_var).
        decoder: ``(batch, latent_dim) -> (batch, *input_shape)`` logits (Bernoulli) or
            means (Gaussian).
        latent_dim: size of ``z``.
        likelihood: ``"bernoulli"`` or ``"gaussian"``.
        gaussian_std: the decoder's fixed standard deviation for ``"gaussian"``.

    Logs: ``loss`` (-ELBO), ``reconstruction`` (-E log p(x|z)), ``kl``, nats per example.
    Raises ValueError for Bernoulli data outside [0, 1] or a decoder output whose shape is
    not the input's.
    """

    def __init__(self, encoder: Any, decoder: Any, latent_dim: int,
                 likelihood: str = "bernoulli", gaussian_std: float = 1.0, **kwargs: Any):
        super().__init__(**kwargs)
        if likelihood not in ("bernoulli", "gaussian"):
            raise ValueError(f"VAE: likelihood must be 'bernoulli' or 'gaussian', got "
                             f"{likelihood!r}")
        import nnlab
        self.encoder, self.decoder = encoder, decoder
        self.latent_dim, self.likelihood, self.gaussian_std = latent_dim, likelihood, gaussian_std
        self.trackers = [nnlab.metrics.Mean(name=n) for n in ("loss", "reconstruction", "kl")]
        self.built = True

    @property
    def metrics(self) -> list:
        return self.trackers

    # -------------------------------------------------------------- the model
    def encode(self, x: torch.Tensor, training: Optional[bool] = None):
        """``(mu, log_var)``, each ``(batch, latent_dim)``."""
        h = call_in_mode(self.encoder, x, training)
        if h.shape[-1] != 2 * self.latent_dim:
            raise ValueError(f"VAE: the encoder must output 2 * latent_dim = "
                             f"{2 * self.latent_dim} values (mu, log_var), got {h.shape[-1]}")
        return h[..., : self.latent_dim], h[..., self.latent_dim:]

    def decode(self, z: torch.Tensor, training: Optional[bool] = None) -> torch.Tensor:
        """Decoder mean in data space (sigmoid of the logits for Bernoulli)."""
        out = call_in_mode(self.decoder, z, training)
        return torch.sigmoid(out) if self.likelihood == "bernoulli" else out

    def call(self, x: torch.Tensor, training: Optional[bool] = None) -> torch.Tensor:
        """Reconstruction ``decode(mu(x))`` shaped like ``x``."""
        mu, _ = self.encode(x, training)
        return self.decode(mu, training)

    def sample(self, n: int) -> torch.Tensor:
        """``n`` decoder means of ``z ~ N(0, I)``."""
        with torch.no_grad():
            return self.decode(torch.randn(n, self.latent_dim), training=False)

    def log_px_given_z(self, x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """``log p(x|z)`` per example from the decoder output ``out`` (logits or means)."""
        check_same_shape("VAE", x, out)
        dims = tuple(range(1, x.dim()))
        if self.likelihood == "bernoulli":
            return -F.binary_cross_entropy_with_logits(out, x, reduction="none").sum(dims)
        var = self.gaussian_std ** 2
        return -0.5 * ((x - out) ** 2 / var + _LOG_2PI + math.log(var)).sum(dims)

    def _check(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.as_tensor(x, dtype=torch.float32)
        if self.likelihood == "bernoulli":
            check_unit_interval("VAE", x)
        return x

    def elbo_terms(self, x: torch.Tensor, training: Optional[bool] = None):
        """``(log p(x|z), KL)`` per example, one reparameterised sample of ``z``."""
        x = self._check(x)
        mu, log_var = self.encode(x, training)
        z = reparameterize(mu, log_var)
        return self.log_px_given_z(x, call_in_mode(self.decoder, z, training)), \
            kl_normal(mu, log_var)

    def elbo(self, x: torch.Tensor) -> torch.Tensor:
        """ELBO per example ``(batch,)`` in nats (one sample of z)."""
        rec, kl = self.elbo_terms(x)
        return rec - kl

    def log_likelihood(self, x: Any, k: int = 100, batch_size: int = 100) -> torch.Tensor:
        """Importance-weighted estimate of ``log p(x)`` per example with ``k`` samples."""
        x = self._check(x)
        out = []
        with torch.no_grad():
            for start in range(0, len(x), batch_size):
                xb = x[start: start + batch_size]
                mu, log_var = self.encode(xb, False)
                z = mu + torch.exp(0.5 * log_var) * torch.randn(k, *mu.shape)  # k x B x d
                flat = z.reshape(-1, self.latent_dim)
                rec = self.log_px_given_z(xb.repeat(k, *[1] * (xb.dim() - 1)),
                                          call_in_mode(self.decoder, flat, False)).view(k, -1)
                log_w = rec + _log_normal(z, torch.zeros_like(z), torch.zeros_like(z)) \
                    - _log_normal(z, mu, log_var)
                out.append(torch.logsumexp(log_w, 0) - math.log(k))
        return torch.cat(out)

    # ------------------------------------------------------ the custom steps
    def _step(self, data: Any, training: bool) -> tuple:
        rec, kl = self.elbo_terms(first_input(data), training)
        return -(rec - kl).mean(), -rec.mean(), kl.mean()

    def train_step(self, data: Any) -> dict:
        loss, rec, kl = self._step(data, True)
        minimize(self.optimizer, loss, params_of(self))
        return self._track(loss, rec, kl)

    def test_step(self, data: Any) -> dict:
        return self._track(*self._step(data, False))

    def _track(self, *values: torch.Tensor) -> dict:
        for tracker, value in zip(self.trackers, values):
            tracker.update_state(value.detach())
        return {t.name: t.result() for t in self.trackers}


def mlp_vae(input_shape: Sequence[int] = (28, 28, 1), latent_dim: int = 32,
            hidden: Sequence[int] = (512, 256), likelihood: str = "bernoulli") -> VAE:
    """VAE with an MLP encoder (hidden ReLU layers -> 2 * latent_dim) and the mirrored MLP
    decoder (-> logits shaped ``input_shape``)."""
    import nnlab
    from .. import layers as L
    size = int(math.prod(input_shape))
    enc = [nnlab.Input(tuple(input_shape)), L.Flatten()]
    enc += [L.Dense(h, activation="relu") for h in hidden] + [L.Dense(2 * latent_dim)]
    dec = [nnlab.Input((latent_dim,))] + [L.Dense(h, activation="relu") for h in hidden[::-1]]
    dec += [L.Dense(size), L.Reshape(tuple(input_shape))]
    return VAE(nnlab.Sequential(enc, name="encoder"), nnlab.Sequential(dec, name="decoder"),
               latent_dim, likelihood=likelihood)


def latent_traversal(vae: VAE, x: Any, dims: Sequence[int] = (0, 1, 2, 3),
                     values: Sequence[float] = (-3, -2, -1, 0, 1, 2, 3)) -> torch.Tensor:
    """Decode ``mu(x)`` with one latent dimension swept over ``values``:
    ``(len(dims) * len(values), *input_shape)`` images (row per dimension)."""
    dims = list(dims)
    bad = [d for d in dims if not 0 <= d < vae.latent_dim]
    if bad:
        raise ValueError(f"latent_traversal: dims must be in [0, {vae.latent_dim}) (the "
                         f"latent size), got {bad}")
    with torch.no_grad():
        mu, _ = vae.encode(torch.as_tensor(x[:1], dtype=torch.float32), False)
        zs = mu.repeat(len(dims) * len(values), 1)
        for r, d in enumerate(dims):
            zs[r * len(values): (r + 1) * len(values), d] = torch.tensor(values,
                                                                        dtype=zs.dtype)
        return vae.decode(zs, training=False)
