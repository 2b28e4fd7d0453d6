"""DCGAN builders following Radford et al. (2016)'s guidelines: strided convolutions
instead of pooling (transposed in the generator), batch norm in both nets (not on the
generator output nor the discriminator input), ReLU in the generator with a tanh output,
leaky ReLU (slope 0.2) in the discriminator, no hidden dense layers beyond the projection,
weights ~ N(0, 0.02), Adam with lr 2e-4 and beta_1 0.5.

Shapes for 28x28 grey images (``base`` = 64)::

    G: z (latent_dim) -> Dense 7*7*2b -> BN, ReLU -> Reshape (7, 7, 2b)
       -> ConvT 4x4 s2 b  (14, 14, b) -> BN, ReLU -> ConvT 4x4 s2 1 (28, 28, 1) -> tanh
    D: (28, 28, 1) -> Conv 4x4 s2 b (14, 14, b) -> LReLU -> Conv 4x4 s2 2b (7, 7, 2b)
       -> BN, LReLU -> Flatten -> Dense 1 (logit)
"""
from __future__ import annotations

from typing import Any, Sequence

from .gan import GAN

__all__ = ["dcgan_generator", "dcgan_discriminator", "dcgan"]


def _init():
    import nnlab
    return nnlab.initializers.RandomNormal(mean=0.0, stddev=0.02)


def dcgan_generator(latent_dim: int = 100, image_shape: Sequence[int] = (28, 28, 1),
                    base: int = 64) -> Any:
    """``(batch, latent_dim) -> (batch, h, w, c)`` in [-1, 1]; ``h, w`` divisible by 4."""
    import nnlab
    from .. import layers as L
    h, w, c = image_shape
    if h % 4 or w % 4:
        raise ValueError(f"dcgan_generator: image height and width must be divisible by 4, "
                         f"got {tuple(image_shape)}")
    return nnlab.Sequential([
        nnlab.Input((latent_dim,)),
        L.Dense(h // 4 * w // 4 * 2 * base, use_bias=False, kernel_initializer=_init()),
        L.BatchNormalization(), L.ReLU(), L.Reshape((h // 4, w // 4, 2 * base)),
        L.Conv2DTranspose(base, 4, strides=2, padding="same", use_bias=False,
                          kernel_initializer=_init()),
        L.BatchNormalization(), L.ReLU(),
        L.Conv2DTranspose(c, 4, strides=2, padding="same", activation="tanh",
                          kernel_initializer=_init()),
    ], name="generator")


def dcgan_discriminator(image_shape: Sequence[int] = (28, 28, 1), base: int = 64) -> Any:
    """``(batch, h, w, c)`` images in [-1, 1] -> ``(batch, 1)`` real/fake logits."""
    import nnlab
    from .. import layers as L
    return nnlab.Sequential([
        nnlab.Input(tuple(image_shape)),
        L.Conv2D(base, 4, strides=2, padding="same", kernel_initializer=_init()),
        L.LeakyReLU(0.2),
        L.Conv2D(2 * base, 4, strides=2, padding="same", use_bias=False,
                 kernel_initializer=_init()),
        L.BatchNormalization(), L.LeakyReLU(0.2),
        L.Flatten(), L.Dense(1, kernel_initializer=_init()),
    ], name="discriminator")


def dcgan(latent_dim: int = 100, image_shape: Sequence[int] = (28, 28, 1), base: int = 64,
          generator_loss: str = "non_saturating", compile: bool = True) -> GAN:
    """A :class:`GAN` of the two builders above, compiled with Adam(2e-4, beta_1=0.5) for
    both halves (``compile=False`` to pass your own optimizers)."""
    gan = GAN(dcgan_generator(latent_dim, image_shape, base),
              dcgan_discriminator(image_shape, base), latent_dim, generator_loss)
    if compile:
        gan.compile()
    return gan
