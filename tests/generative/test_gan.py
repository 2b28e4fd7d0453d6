"""GAN/DCGAN through fit + train_step: two optimizers, callbacks, history, sample grids
and checkpoint resume of both optimizers; the two generator losses."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab.data import load_digits
from nnlab.generative import (GAN, SampleGrid, dcgan, dcgan_discriminator, dcgan_generator,
                              discriminator_loss, generator_loss, image_grid, interpolate)
from nnlab.callbacks import Callback


def _images(n=128):
    (x, _), _ = load_digits()
    x = np.pad(x[:n, ..., None] / 8.0 - 1.0, ((0, 0), (0, 0), (0, 0), (0, 0)))
    return x.astype("float32")  # (n, 8, 8, 1) in [-1, 1]


def _gan(seed=0):
    nnlab.set_seed(seed)
    return dcgan(latent_dim=8, image_shape=(8, 8, 1), base=4)


def test_losses_and_their_gradients():
    real, fake = torch.tensor([3.0, 2.0]), torch.tensor([-3.0, -2.0])
    assert discriminator_loss(real, fake).item() == pytest.approx(
        2 * torch.nn.functional.softplus(torch.tensor([-3.0, -2.0])).mean().item())
    # where D confidently rejects the fakes, the minimax generator loss saturates and the
    # non-saturating one does not (Goodfellow et al. 2014, section 3)
    logits = torch.tensor([-6.0], requires_grad=True)
    (g_mm,) = torch.autograd.grad(generator_loss(logits, "minimax"), logits)
    (g_ns,) = torch.autograd.grad(generator_loss(logits, "non_saturating"), logits)
    assert g_mm.item() < 0 and g_ns.item() < 0  # both push D(G(z)) up
    assert abs(g_ns.item()) > 100 * abs(g_mm.item())
    with pytest.raises(ValueError, match="kind must be 'minimax' or 'non_saturating'"):
        generator_loss(logits, "wasserstein")


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.batches, self.epochs = 0, []

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(dict(logs))


def test_dcgan_trains_through_fit_with_callbacks_and_grids(tmp_path):
    gan = _gan()
    x = _images()
    g0 = [w.detach().clone() for w in gan.generator.trainable_weights]
    d0 = [w.detach().clone() for w in gan.discriminator.trainable_weights]
    rec, z = Recorder(), torch.randn(16, 8)
    grid = SampleGrid(lambda: gan.generate(z), str(tmp_path / "e{epoch}.png"), ncols=4,
                      value_range=(-1, 1))
    h = gan.fit(x, epochs=2, batch_size=32, verbose=0, callbacks=[rec, grid])
    assert set(h.history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert rec.batches == 8 and len(rec.epochs) == 2
    assert gan.d_optimizer.iterations == gan.g_optimizer.iterations == 8
    assert gan.d_optimizer.learning_rate == pytest.approx(2e-4)
    assert all(not torch.equal(a, b) for a, b in zip(g0, gan.generator.trainable_weights))
    assert all(not torch.equal(a, b) for a, b in zip(d0, gan.discriminator.trainable_weights))
    assert [p.split("/")[-1] for p in grid.written] == ["e1.png", "e2.png"]
    from PIL import Image
    png = np.asarray(Image.open(tmp_path / "e2.png"))
    expected = np.round(image_grid(gan.generate(z), 4, (-1, 1)) * 255)
    assert png.shape == (32, 32) and np.abs(png - expected).max() <= 1  # 4 x 4 of 8 x 8
    path = interpolate(gan, torch.zeros(8), torch.ones(8), steps=5)
    assert path.shape == (5, 8, 8, 1) and path.abs().max() <= 1


def _state(gan):
    return [w.detach().clone() for w in gan.weights], \
        [gan.d_optimizer._torch.state_dict(), gan.g_optimizer._torch.state_dict()]


def test_resume_restores_both_optimizers(tmp_path):
    x = _images(64)
    full = _gan(3)
    full.fit(x, epochs=2, batch_size=32, verbose=0)
    first = _gan(3)
    first.fit(x, epochs=1, batch_size=32, verbose=0, checkpoint_dir=tmp_path)
    resumed = _gan(99)  # a fresh process: fresh weights, same fit call
    h = resumed.fit(x, epochs=2, batch_size=32, verbose=0, checkpoint_dir=tmp_path)
    assert h.epoch == [0, 1]
    (w_full, o_full), (w_res, o_res) = _state(full), _state(resumed)
    for a, b in zip(w_full, w_res):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
    for a, b in zip(o_full, o_res):
        assert a["state"].keys() == b["state"].keys()
        for key in a["state"]:
            torch.testing.assert_close(a["state"][key]["exp_avg_sq"],
                                       b["state"][key]["exp_avg_sq"])
    assert resumed.d_optimizer.iterations == resumed.g_optimizer.iterations == 4


def test_bad_use_is_named():
    gan = GAN(dcgan_generator(8, (8, 8, 1), 4), dcgan_discriminator((8, 8, 1), 4), 8)
    with pytest.raises(RuntimeError, match="call compile\\(d_optimizer=..., g_optimizer=...\\)"):
        gan.train_step(torch.zeros(2, 8, 8, 1))
    with pytest.raises(ValueError, match="generator_loss must be 'minimax' or"):
        GAN(gan.generator, gan.discriminator, 8, generator_loss="hinge")
    with pytest.raises(ValueError, match="divisible by 4, got \\(10, 10, 1\\)"):
        dcgan_generator(8, (10, 10, 1))

    class NoDict(GAN):
        def train_step(self, data):
            super().train_step(data)
            return None

    bad = NoDict(gan.generator, gan.discriminator, 8)
    bad.compile()
    with pytest.raises(TypeError, match="train_step\\(\\) must return a dict of logs"):
        bad.fit(_images(16), epochs=1, batch_size=16, verbose=0)


def test_one_sided_label_smoothing_changes_only_the_real_target():
    real, fake = torch.tensor([3.0, -1.0]), torch.tensor([-2.0, 0.5])
    sp = torch.nn.functional.softplus
    plain = discriminator_loss(real, fake)
    smooth = discriminator_loss(real, fake, label_smoothing=0.1)
    # cross-entropy with target 0.9 for reals, 0 for fakes
    expected = (0.9 * sp(-real) + 0.1 * sp(real)).mean() + sp(fake).mean()
    assert smooth.item() == pytest.approx(expected.item())
    assert smooth.item() != pytest.approx(plain.item())
    # the fakes' part is untouched: equal real logits give equal differences
    assert (discriminator_loss(real, fake + 1, 0.1) - smooth).item() == pytest.approx(
        (discriminator_loss(real, fake + 1) - plain).item())
    # D's optimum for a real logit moves from +inf to logit(0.9)
    a = torch.tensor([0.0], requires_grad=True)
    opt = torch.optim.SGD([a], lr=1.0)
    for _ in range(500):
        opt.zero_grad()
        discriminator_loss(a, torch.tensor([-50.0]), 0.1).backward()
        opt.step()
    assert torch.sigmoid(a).item() == pytest.approx(0.9, abs=1e-3)
    gan = dcgan(latent_dim=8, image_shape=(8, 8, 1), base=4, label_smoothing=0.1)
    assert gan.label_smoothing == 0.1
    with pytest.raises(ValueError, match="GAN: label_smoothing must be a number in \\[0, 0.5\\)"):
        GAN(gan.generator, gan.discriminator, 8, label_smoothing=0.5)
    with pytest.raises(ValueError, match="discriminator_loss: label_smoothing must be"):
        discriminator_loss(real, fake, label_smoothing=-0.1)


def test_deeper_dcgan_and_minibatch_std_options():
    nnlab.set_seed(0)
    gan = dcgan(latent_dim=8, image_shape=(8, 8, 1), base=4, extra_blocks=2,
                minibatch_std=True, label_smoothing=0.1)
    names = [type(m).__name__ for m in gan.discriminator.layers]
    assert names.count("MinibatchStdDev") == 1 and names.count("Conv2D") == 4
    assert [type(m).__name__ for m in gan.generator.layers].count("Conv2D") == 2
    assert gan.generator(torch.randn(3, 8)).shape == (3, 8, 8, 1)
    assert gan.discriminator(torch.zeros(4, 8, 8, 1)).shape == (4, 1)
    plain = dcgan(latent_dim=8, image_shape=(8, 8, 1), base=4)
    # each extra block at (2, 2, 8): a 3x3x8x8 conv (no bias) + BN (gamma, beta, mean, var)
    block = 3 * 3 * 8 * 8 + 4 * 8
    assert gan.generator.count_params() == plain.generator.count_params() + 2 * block
    # D's first extra conv reads 8 + 1 channels (the minibatch-std feature)
    assert gan.discriminator.count_params() == \
        plain.discriminator.count_params() + 2 * block + 3 * 3 * 8
    h = gan.fit(_images(64), epochs=1, batch_size=32, verbose=0)
    assert np.isfinite(h.history["d_loss"][0]) and np.isfinite(h.history["g_loss"][0])
    with pytest.raises(ValueError, match="dcgan_generator: extra_blocks must be an int >= 0"):
        dcgan_generator(8, (8, 8, 1), 4, extra_blocks=-1)
    with pytest.raises(ValueError, match="dcgan_discriminator: minibatch_std must be a bool"):
        dcgan_discriminator((8, 8, 1), 4, minibatch_std="yes")
