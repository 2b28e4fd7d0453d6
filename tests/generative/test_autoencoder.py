"""Autoencoders and noise transforms: codes, reconstruction through fit, denoising gain."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab.data import load_digits
from nnlab.generative import (Autoencoder, GaussianNoise, MaskingNoise, SaltAndPepperNoise,
                              conv_autoencoder, dense_autoencoder, psnr)


def _digits():
    (x, _), (xt, _) = load_digits()
    return x[..., None] / 16.0, xt[..., None] / 16.0


def test_noise_transforms_have_the_stated_statistics():
    x = torch.full((200, 50), 0.5)
    g = GaussianNoise(0.1)(x)
    assert abs((g - x).std().item() - 0.1) < 0.005
    assert GaussianNoise(2.0)(x).min() >= 0 and GaussianNoise(2.0)(x).max() <= 1
    s = SaltAndPepperNoise(0.2)(x)
    assert abs((s == 0).float().mean().item() - 0.1) < 0.01
    assert abs((s == 1).float().mean().item() - 0.1) < 0.01
    m = MaskingNoise(0.3)(x)
    assert abs((m == 0).float().mean().item() - 0.3) < 0.01
    assert psnr(x, x + 0.1) == pytest.approx(20.0, abs=1e-4)
    with pytest.raises(ValueError, match="rate must be in \\[0, 1\\], got 1.5"):
        MaskingNoise(1.5)


def test_dense_autoencoder_learns_and_encodes():
    x, xt = _digits()
    ae = dense_autoencoder((8, 8, 1), code_dim=8, hidden=(32,))
    ae.compile(optimizer=nnlab.optimizers.Adam(3e-3), loss="mse")
    before = ae.evaluate(xt, verbose=0)
    h = ae.fit(x, epochs=8, batch_size=64, verbose=0, validation_data=(xt,))
    assert h.history["val_loss"][-1] < 0.6 * before
    assert tuple(ae.encoder(torch.from_numpy(xt[:3])).shape) == (3, 8)


def test_denoising_conv_autoencoder_beats_the_noisy_input():
    x, xt = _digits()
    noise = GaussianNoise(0.4)
    ae = conv_autoencoder((8, 8, 1), filters=(8, 16), noise=noise)
    ae.compile(optimizer=nnlab.optimizers.Adam(3e-3), loss="binary_crossentropy")
    ae.fit(x, epochs=8, batch_size=32, verbose=0)
    clean = torch.from_numpy(xt)
    noisy = noise(clean)
    with torch.no_grad():
        denoised = ae(noisy)
    assert psnr(clean, denoised) > psnr(clean, noisy) + 3.0
    assert tuple(ae.encoder(clean[:2]).shape) == (2, 2, 2, 16)


def test_decoder_shape_mismatch_is_named():
    enc = nnlab.Sequential([nnlab.Input((8, 8, 1)), nnlab.layers.Flatten(),
                            nnlab.layers.Dense(4)])
    dec = nnlab.Sequential([nnlab.Input((4,)), nnlab.layers.Dense(49),
                            nnlab.layers.Reshape((7, 7, 1))])
    ae = Autoencoder(enc, dec)
    ae.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="decoder's output shape .*7, 7, 1.* does not match "
                                         "the input shape .*8, 8, 1"):
        ae.fit(np.zeros((4, 8, 8, 1), "float32"), verbose=0)
