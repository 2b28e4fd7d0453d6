"""The generative wrappers take a user's networks built with nnlab layers or as plain
torch modules (issue 26): GAN (generator, discriminator), Autoencoder (encoder, decoder)
and VAE train, then predict/generate, then save and reload (nnlab networks) or refuse to
write a plain module's architecture and round-trip through save_weights (plain ones).
A plain module's ``forward`` takes no ``training=``: it used to fail with a TypeError."""
import numpy as np
import pytest
import torch
from torch import nn

import nnlab
from nnlab import layers as L
from nnlab.errors import ConfigError
from nnlab.generative.autoencoder import Autoencoder
from nnlab.generative.gan import GAN
from nnlab.generative.vae import VAE

X = np.random.default_rng(0).random((16, 16), dtype=np.float32)


def _net(style, sizes, last=None):
    """A dense net ``sizes[0] -> ... -> sizes[-1]`` (relu between), nnlab or torch."""
    if style == "plain":
        mods = []
        for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
            mods += [nn.Linear(a, b)] + ([nn.ReLU()] if i < len(sizes) - 2 else [])
        return nn.Sequential(*mods, *([nn.Sigmoid()] if last == "sigmoid" else []))
    layers = [L.Dense(b, activation="relu" if i < len(sizes) - 2 else last)
              for i, b in enumerate(sizes[1:])]
    layers[0] = L.Dense(sizes[1], activation=layers[0].activation, input_shape=(sizes[0],))
    return nnlab.Sequential(layers)


def _build(style, kind, seed=0):
    nnlab.set_seed(seed)
    if kind == "gan":
        model = GAN(_net(style, [4, 8, 16], "sigmoid"), _net(style, [16, 8, 1]), latent_dim=4)
        model.compile()
    elif kind == "autoencoder":
        model = Autoencoder(_net(style, [16, 8, 4]), _net(style, [4, 8, 16], "sigmoid"))
        model.compile(nnlab.optimizers.Adam(learning_rate=0.01), "mse")
    else:
        model = VAE(_net(style, [16, 8, 8]), _net(style, [4, 8, 16]), latent_dim=4)
        model.compile(nnlab.optimizers.Adam(learning_rate=0.01))
    return model


def _outputs(model, kind):
    if kind == "gan":
        return model.generate(torch.randn(3, 4, generator=torch.Generator().manual_seed(1)))
    return torch.as_tensor(model.predict(X, verbose=0))


@pytest.mark.parametrize("kind", ["gan", "autoencoder", "vae"])
@pytest.mark.parametrize("style", ["nnlab", "plain"])
def test_wrapper_trains_the_users_networks_then_saves_or_refuses(style, kind, tmp_path):
    model = _build(style, kind)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    history = model.fit(X, epochs=4, batch_size=4, verbose=0).history
    assert all(np.isfinite(v).all() for v in history.values())
    nets = [model.generator, model.discriminator] if kind == "gan" else \
        [model.encoder, model.decoder]
    for net in nets:                                   # every network of the user's trained
        prefix = next(k for k, m in model.named_children() if m is net)
        assert any(not torch.equal(v, before[k]) for k, v in model.state_dict().items()
                   if k.startswith(prefix + "."))
    if kind != "gan":
        assert history["loss"][-1] < history["loss"][0]
    out = _outputs(model, kind)
    assert out.shape == ((3, 16) if kind == "gan" else (16, 16)) and torch.isfinite(out).all()
    path = tmp_path / "model.nnlab"
    if style == "nnlab":
        model.save(path)
        back = nnlab.load_model(path)
        if kind == "vae":                             # predict is deterministic (mu)
            np.testing.assert_allclose(_outputs(back, kind), out, rtol=1e-6, atol=1e-6)
        elif kind == "autoencoder":
            np.testing.assert_array_equal(_outputs(back, kind), out)
        else:
            torch.testing.assert_close(_outputs(back, kind), out)
        return
    with pytest.raises(ConfigError, match=r"Cannot write the plain torch module Sequential "
                                          r"into a model config.*save_weights"):
        model.save(path)
    assert not path.exists()
    model.save_weights(tmp_path / "w.safetensors")
    twin = _build(style, kind, seed=1)
    twin.load_weights(tmp_path / "w.safetensors")
    torch.testing.assert_close(_outputs(twin, kind), out)
