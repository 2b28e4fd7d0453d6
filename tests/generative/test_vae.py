"""VAE: closed-form KL vs Monte Carlo, the reparameterisation gradient, the ELBO through
fit, the importance-weighted estimate, and bad inputs."""
import math

import numpy as np
import pytest
import torch

import nnlab
from nnlab.data import load_digits
from nnlab.generative.vae import VAE, kl_normal, latent_traversal, mlp_vae, reparameterize


def _digits(binary=True):
    (x, _), (xt, _) = load_digits()
    f = (lambda a: (a[..., None] > 7).astype("float32")) if binary else \
        (lambda a: a[..., None] / 16.0)
    return f(x), f(xt)


def test_closed_form_kl_matches_monte_carlo_within_3_standard_errors():
    mu = torch.tensor([[0.5, -1.0, 2.0]])
    log_var = torch.tensor([[0.3, -0.7, 0.1]])
    n = 200_000
    z = mu + torch.exp(0.5 * log_var) * torch.randn(n, 3)
    log_q = torch.distributions.Normal(mu, torch.exp(0.5 * log_var)).log_prob(z).sum(-1)
    log_p = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(-1)
    samples = (log_q - log_p).double()
    mc, se = samples.mean().item(), samples.std().item() / math.sqrt(n)
    exact = kl_normal(mu, log_var).item()
    assert abs(mc - exact) < 3 * se, (mc, exact, se)
    # and torch's own closed form agrees
    ref = torch.distributions.kl_divergence(
        torch.distributions.Normal(mu, torch.exp(0.5 * log_var)),
        torch.distributions.Normal(0.0, 1.0)).sum().item()
    assert exact == pytest.approx(ref, rel=1e-5)


def test_reparameterised_gradient_has_the_right_sign():
    # E_q[(z - 3)^2] with q = N(mu, sigma^2) = (mu - 3)^2 + sigma^2: d/dmu < 0 at mu = 0,
    # d/dlog_var > 0 (more variance, more loss)
    mu = torch.zeros(1, 1, requires_grad=True)
    log_var = torch.zeros(1, 1, requires_grad=True)
    z = reparameterize(mu.expand(20_000, 1), log_var.expand(20_000, 1))
    ((z - 3.0) ** 2).mean().backward()
    assert mu.grad.item() == pytest.approx(-6.0, abs=0.2)
    assert log_var.grad.item() == pytest.approx(1.0, abs=0.1)  # d sigma^2 / d log_var = 1


def test_vae_trains_through_fit_and_iwae_is_at_least_the_elbo():
    x, xt = _digits()
    vae = mlp_vae((8, 8, 1), latent_dim=4, hidden=(64,))
    vae.compile(optimizer=nnlab.optimizers.Adam(3e-3))
    before = vae.evaluate(xt, verbose=0, return_dict=True)
    h = vae.fit(x, epochs=4, batch_size=64, verbose=0, validation_data=(xt,))
    assert set(h.history) == {"loss", "reconstruction", "kl", "val_loss",
                              "val_reconstruction", "val_kl"}
    assert h.history["val_loss"][-1] < before["loss"] - 5  # ELBO improved by > 5 nats
    x_t = torch.from_numpy(xt)
    torch.manual_seed(0)
    elbo = torch.stack([vae.elbo(x_t) for _ in range(10)]).mean().item()
    ll = vae.log_likelihood(x_t, k=100).mean().item()
    assert elbo - 0.5 < ll < 0  # IWAE is a tighter bound than the ELBO, still a bound
    assert vae.encoder(x_t).shape == (360, 8)
    assert latent_traversal(vae, xt, dims=(0, 1), values=(-1, 0, 1)).shape == (6, 8, 8, 1)
    assert vae.sample(5).shape == (5, 8, 8, 1)


def test_gaussian_likelihood_takes_unscaled_data():
    x, _ = _digits(binary=False)
    vae = mlp_vae((8, 8, 1), latent_dim=2, hidden=(32,), likelihood="gaussian")
    vae.compile(optimizer="adam")
    h = vae.fit(x * 4 - 2, epochs=1, batch_size=256, verbose=0)  # outside [0, 1]: fine
    assert np.isfinite(h.history["loss"][0])


def test_bad_inputs_are_named():
    x, _ = _digits(binary=False)
    vae = mlp_vae((8, 8, 1), latent_dim=2, hidden=(16,))
    vae.compile(optimizer="adam")
    with pytest.raises(ValueError, match="Bernoulli likelihood needs data in \\[0, 1\\].*16"):
        vae.fit(x * 16, epochs=1, verbose=0)
    good = mlp_vae((8, 8, 1), latent_dim=2, hidden=(16,))
    bad = VAE(good.encoder, nnlab.Sequential([nnlab.Input((2,)), nnlab.layers.Dense(60),
                                              nnlab.layers.Reshape((6, 10, 1))]), 2)
    bad.compile(optimizer="adam")
    with pytest.raises(ValueError, match="decoder's output shape \\(.*6, 10, 1\\) does not "
                                         "match the input shape \\(.*8, 8, 1\\)"):
        bad.fit(x, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="encoder must output 2 \\* latent_dim = 6"):
        VAE(good.encoder, good.decoder, 3).elbo(torch.from_numpy(x[:2]))
    with pytest.raises(ValueError, match="dims must be in \\[0, 2\\) \\(the latent size\\), got \\[2\\]"):
        latent_traversal(good, x, dims=(0, 2))
    with pytest.raises(ValueError, match="likelihood must be 'bernoulli' or 'gaussian'"):
        VAE(good.encoder, good.decoder, 2, likelihood="poisson")
