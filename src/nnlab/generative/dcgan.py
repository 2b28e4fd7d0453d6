"""DCGAN builders following Radford et al. (2016)'s guidelines: strided convolutions
instead of pooling (transposed in the generator), batch norm in both nets (not on the
generator output nor the discriminator input), ReLU in the generator with a tanh output,
leaky ReLU (slope 0.2) in the discriminator, no hidden dense layers beyond the projection,
weights ~ N(0, 0.02), Adam with lr 2e-4 and beta_1 0.5.

Shapes for 28x28 grey images (``base`` = 64)::

    G: z (latent_dim) -> Dense 7*7*2b -> BN, ReLU -> Reshape (7, 7, 2b)
       -> [Conv 3x3 s1 2b (7, 7, 2b) -> BN, ReLU] x extra_blocks
       -> ConvT 4x4 s2 b  (14, 14, b) -> BN, ReLU -> ConvT 4x4 s2 1 (28, 28, 1) -> tanh
    D: (28, 28, 1) -> Conv 4x4 s2 b (14, 14, b) -> LReLU -> Conv 4x4 s2 2b (7, 7, 2b)
       -> BN, LReLU -> [MinibatchStdDev (7, 7, 2b+1)] if minibatch_std
       -> [Conv 3x3 s1 2b (7, 7, 2b) -> BN, LReLU] x extra_blocks -> Flatten -> Dense 1 (logit)

``extra_blocks`` deepens both nets at the coarse (h/4) resolution, where a block is as
cheap as one of the 14x14 layers; ``minibatch_std`` adds Karras et al. (2018)'s minibatch
standard-deviation feature to D (see :class:`~nnlab.layers.MinibatchStdDev`).
"""
from __future__ import annotations

from typing import Any, Sequence

from .gan import GAN

__all__ = ["dcgan_generator", "dcgan_discriminator", "dcgan"]


def _init():
    import nnlab
    return nnlab.initializers.RandomNormal(mean=0.0, stddev=0.02)


def _check_blocks(owner: str, extra_blocks: Any) -> None:
    if not isinstance(extra_blocks, int) or isinstance(extra_blocks, bool) or extra_blocks < 0:
        raise ValueError(f"{owner}: extra_blocks must be an int >= 0, got {extra_blocks!r}")


def _blocks(n: int, filters: int, activation: Any) -> list:
    """``n`` x (Conv 3x3 stride 1 ``filters``, BN, activation), shape-preserving."""
    from .. import layers as L
    out = []
    for _ in range(n):
        out += [L.Conv2D(filters, 3, padding="same", use_bias=False, kernel_initializer=_init()),
                L.BatchNormalization(), activation()]
    return out


def dcgan_generator(latent_dim: int = 100, image_shape: Sequence[int] = (28, 28, 1),
                    base: int = 64, extra_blocks: int = 0) -> Any:
    """``(batch, latent_dim) -> (batch, h, w, c)`` in [-1, 1]; ``h, w`` divisible by 4.
    ``extra_blocks``: 3x3 stride-1 conv blocks (BN, ReLU) at ``(h/4, w/4, 2*base)``."""
    import nnlab
    from .. import layers as L
    h, w, c = image_shape
    if h % 4 or w % 4:
        raise ValueError(f"dcgan_generator: image height and width must be divisible by 4, "
                         f"got {tuple(image_shape)}")
    _check_blocks("dcgan_generator", extra_blocks)
    return nnlab.Sequential([
        nnlab.Input((latent_dim,)),
        L.Dense(h // 4 * w // 4 * 2 * base, use_bias=False, kernel_initializer=_init()),
        L.BatchNormalization(), L.ReLU(), L.Reshape((h // 4, w // 4, 2 * base)),
        *_blocks(extra_blocks, 2 * base, L.ReLU),
        L.Conv2DTranspose(base, 4, strides=2, padding="same", use_bias=False,
                          kernel_initializer=_init()),
        L.BatchNormalization(), L.ReLU(),
        L.Conv2DTranspose(c, 4, strides=2, padding="same", activation="tanh",
                          kernel_initializer=_init()),
    ], name="generator")


def dcgan_discriminator(image_shape: Sequence[int] = (28, 28, 1), base: int = 64,
                        extra_blocks: int = 0, minibatch_std: bool = False) -> Any:
    """``(batch, h, w, c)`` images in [-1, 1] -> ``(batch, 1)`` real/fake logits.
    ``extra_blocks``: 3x3 stride-1 conv blocks (BN, leaky ReLU) at ``(h/4, w/4, 2*base)``;
    ``minibatch_std``: a :class:`~nnlab.layers.MinibatchStdDev` (groups of 4) before them."""
    import nnlab
    from .. import layers as L
    _check_blocks("dcgan_discriminator", extra_blocks)
    if not isinstance(minibatch_std, bool):
        raise ValueError(f"dcgan_discriminator: minibatch_std must be a bool, "
                         f"got {minibatch_std!r}")
    return nnlab.Sequential([
        nnlab.Input(tuple(image_shape)),
        L.Conv2D(base, 4, strides=2, padding="same", kernel_initializer=_init()),
        L.LeakyReLU(0.2),
        L.Conv2D(2 * base, 4, strides=2, padding="same", use_bias=False,
                 kernel_initializer=_init()),
        L.BatchNormalization(), L.LeakyReLU(0.2),
        *([L.MinibatchStdDev(4)] if minibatch_std else []),
        *_blocks(extra_blocks, 2 * base, lambda: L.LeakyReLU(0.2)),
        L.Flatten(), L.Dense(1, kernel_initializer=_init()),
    ], name="discriminator")


def dcgan(latent_dim: int = 100, image_shape: Sequence[int] = (28, 28, 1), base: int = 64,
          generator_loss: str = "non_saturating", compile: bool = True,
          extra_blocks: int = 0, minibatch_std: bool = False,
          label_smoothing: float = 0.0) -> GAN:
    """A :class:`GAN` of the two builders above, compiled with Adam(2e-4, beta_1=0.5) for
    both halves (``compile=False`` to pass your own optimizers). ``extra_blocks`` deepens
    G and D alike, ``minibatch_std`` goes to D, ``label_smoothing`` to the :class:`GAN`."""
    gan = GAN(dcgan_generator(latent_dim, image_shape, base, extra_blocks),
              dcgan_discriminator(image_shape, base, extra_blocks, minibatch_std),
              latent_dim, generator_loss, label_smoothing=label_smoothing)
    if compile:
        gan.compile()
    return gan
