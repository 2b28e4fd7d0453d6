"""MNIST as the attacks take it: float images in [0, 1] with a channel axis."""
from __future__ import annotations

from typing import Tuple

import torch

from ..data import load_mnist

_Pair = Tuple[torch.Tensor, torch.Tensor]


def mnist_tensors() -> Tuple[_Pair, _Pair]:
    """``(x, y), (x_test, y_test)``: images float32 ``(n, 28, 28, 1)`` in [0, 1], labels
    int64 ``(n,)`` (``nnlab.data.load_mnist``'s arrays, scaled by 1/255)."""
    (x, y), (xt, yt) = load_mnist()
    return tuple((torch.tensor(images.reshape(-1, 28, 28, 1) / 255.0, dtype=torch.float32),
                  torch.tensor(labels).long()) for images, labels in ((x, y), (xt, yt)))
