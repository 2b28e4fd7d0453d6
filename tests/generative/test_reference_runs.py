"""Slow runs on real MNIST asserting the directions of the reference figures
(``pytest -m slow tests/generative``; minutes each on a quiet 2-core machine)."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab import layers as L
from nnlab.data import load_mnist
from nnlab.generative import classifier_score, dcgan, mlp_vae

pytestmark = pytest.mark.slow


def _mnist(n):
    (x, y), (xt, yt) = load_mnist()
    return x[:n, ..., None], y[:n], xt[..., None], yt


def test_vae_elbo_improves_over_training():
    x, _, xt, _ = _mnist(20000)
    b, bt = (x > 127).astype("float32"), (xt[:2000] > 127).astype("float32")
    vae = mlp_vae(latent_dim=32, hidden=(512, 256))
    vae.compile(optimizer="adam")
    h = vae.fit(b, epochs=5, batch_size=128, verbose=0, validation_data=(bt,))
    elbo = [-v for v in h.history["val_loss"]]
    assert elbo[-1] > elbo[0] + 5 and elbo[-1] > -115
    ll = vae.log_likelihood(bt[:200], k=200).mean().item()
    assert ll > elbo[-1] - 1


def test_dcgan_classifier_score_above_8():
    x, y, xt, yt = _mnist(60000)
    x, xt = x.astype("float32") / 127.5 - 1, xt.astype("float32") / 127.5 - 1
    clf = nnlab.Sequential([nnlab.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"),
                            L.MaxPooling2D(), L.Conv2D(64, 3, activation="relu"),
                            L.MaxPooling2D(), L.Flatten(), L.Dense(128, activation="relu"),
                            L.Dense(10)])
    clf.compile("adam", nnlab.losses.SparseCategoricalCrossentropy(from_logits=True))
    clf.fit(x, y, epochs=3, batch_size=128, verbose=0)
    gan = dcgan(latent_dim=100, base=32)
    gan.fit(x, epochs=15, batch_size=128, verbose=0)  # 4 epochs gave 5.2 (docs)
    fake = gan.generate(1000).numpy()
    s = classifier_score(fake, clf, real_images=xt[:1000])
    real = classifier_score(xt[:1000], clf)
    assert real["score"] > 9.0
    assert s["score"] > 8.0 and s["classes"] == 10
    assert np.isfinite(s["fid"])
    assert torch.isfinite(torch.tensor(s["fid"]))
