"""Autoencoders: ``x -> encoder -> code -> decoder -> x_hat``, trained to reconstruct ``x``
(a denoising autoencoder reconstructs the clean ``x`` from a corrupted copy, Vincent et
al. 2008). Trained through ``fit`` with the model's own ``train_step`` (Keras 3 contract);
the loss is the compiled one (``"binary_crossentropy"`` for data in [0, 1], or ``"mse"``).

Under-complete: ``code_dim`` below the input size (the code must compress); over-complete:
above it (only the noise, or a regulariser, stops the identity map).
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import torch

from ..layers.base.torch_module import call_in_mode
from ..models.model import Model
from .steps import check_same_shape, first_input, minimize, params_of

__all__ = ["Autoencoder", "dense_autoencoder", "conv_autoencoder"]


class Autoencoder(Model):
    """``decoder(encoder(x))``; ``noise`` (e.g. ``GaussianNoise(0.5)``) makes it denoising.

    Args:
        encoder: model mapping ``(batch, *input_shape)`` to the code ``(batch, *code)``.
        decoder: model mapping the code back to ``(batch, *input_shape)``.
        noise: optional callable corrupting a batch during training only.

    ``fit(x, epochs=...)`` needs no ``y``: the target is ``x`` itself. ``encoder(x)`` gives
    the code. Raises ValueError when the decoder's output shape is not the input's.
    """

    def __init__(self, encoder: Any, decoder: Any, noise: Optional[Callable] = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.noise = noise
        self.built = True

    def call(self, x: torch.Tensor, training: Optional[bool] = None) -> torch.Tensor:
        recon = call_in_mode(self.decoder, call_in_mode(self.encoder, x, training), training)
        check_same_shape(type(self).__name__, x, recon)
        return recon

    def _loss(self, data: Any, training: bool):
        x = torch.as_tensor(first_input(data))
        corrupted = self.noise(x) if (training and self.noise is not None) else x
        recon = self(corrupted, training=training)
        return self.compute_loss(y=x, y_pred=recon)

    def train_step(self, data: Any) -> dict:
        loss = self._loss(data, True)
        minimize(self.optimizer, loss, params_of(self))
        return self._track(loss)

    def test_step(self, data: Any) -> dict:
        return self._track(self._loss(data, False))

    def _track(self, loss: torch.Tensor) -> dict:
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
        return {m.name: m.result() for m in self.metrics}


def dense_autoencoder(input_shape: Sequence[int] = (28, 28, 1), code_dim: int = 32,
                      hidden: Sequence[int] = (256,), noise: Optional[Callable] = None,
                      output_activation: str = "sigmoid") -> Autoencoder:
    """MLP autoencoder: Flatten -> hidden ReLU layers -> ``code_dim`` -> mirrored -> input
    shape (sigmoid output for data in [0, 1])."""
    import nnlab
    from .. import layers as L
    size = int(torch.tensor(list(input_shape)).prod())
    enc = [nnlab.Input(tuple(input_shape)), L.Flatten()]
    enc += [L.Dense(h, activation="relu") for h in hidden] + [L.Dense(code_dim)]
    dec = [nnlab.Input((code_dim,))] + [L.Dense(h, activation="relu") for h in hidden[::-1]]
    dec += [L.Dense(size, activation=output_activation), L.Reshape(tuple(input_shape))]
    return Autoencoder(nnlab.Sequential(enc, name="encoder"),
                       nnlab.Sequential(dec, name="decoder"), noise=noise)


def conv_autoencoder(input_shape: Sequence[int] = (28, 28, 1), filters: Sequence[int] = (32, 64),
                     noise: Optional[Callable] = None,
                     output_activation: str = "sigmoid") -> Autoencoder:
    """Convolutional autoencoder: stride-2 3x3 convs down (28 -> 14 -> 7 with two
    filters), the code a ``(7, 7, filters[-1])`` map, stride-2 transposed convs back up."""
    import nnlab
    from .. import layers as L
    h, w, c = input_shape
    enc = [nnlab.Input((h, w, c))]
    enc += [L.Conv2D(f, 3, strides=2, padding="same", activation="relu") for f in filters]
    encoder = nnlab.Sequential(enc, name="encoder")
    code = tuple(encoder.output_shape[1:])
    dec = [nnlab.Input(code)]
    dec += [L.Conv2DTranspose(f, 3, strides=2, padding="same", activation="relu")
            for f in list(filters[::-1])[1:]]
    dec += [L.Conv2DTranspose(c, 3, strides=2, padding="same", activation=output_activation)]
    return Autoencoder(encoder, nnlab.Sequential(dec, name="decoder"), noise=noise)
