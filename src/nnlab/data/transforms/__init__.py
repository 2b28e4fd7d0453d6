"""Batched, seeded data transforms on torch tensors (run on CPU or GPU).

Images are ``(N, H, W, C)`` (channels_last, the default) or ``(N, C, H, W)``
(``data_format="channels_first"``). Every transform is a callable ``x -> x``
that also takes ``(x, y)`` batches. Random ones take ``seed=`` or ``generator=``.

Geometric: :class:`RandomFlip`, :class:`RandomCrop`, :class:`RandomResizedCrop`,
:class:`RandomRotation`, :class:`RandomShear`. Colour: :class:`ColorJitter`,
:class:`PCAColorNoise`. Deterministic: :class:`Normalize`, :class:`OneHot`,
:class:`PermutePixels`, :class:`Compose`.
"""
from .affine import RandomAffine
from .base import Transform
from .color import ColorJitter, PCAColorNoise
from .geometric import RandomCrop, RandomFlip, RandomResizedCrop, RandomRotation, RandomShear
from .preprocessing import Compose, Normalize, OneHot, PermutePixels

__all__ = ["ColorJitter", "Compose", "Normalize", "OneHot", "PCAColorNoise", "PermutePixels", "RandomAffine",
           "RandomCrop", "RandomFlip", "RandomResizedCrop", "RandomRotation", "RandomShear",
           "Transform"]
