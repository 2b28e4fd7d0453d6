"""PixelCNN (van den Oord et al. 2016, "Pixel Recurrent Neural Networks"): an
autoregressive image model ``p(x) = prod_i p(x_i | x_<i)`` in raster order, made of
masked convolutions (``layers.MaskedConv2D``: type A first, then residual type-B blocks),
so one forward pass gives every conditional and training is one cross-entropy.

    input (h, w, 1) -> MaskedConv A kxk, filters -> ReLU
      -> blocks x [ReLU -> MaskedConv B 3x3 -> ReLU -> 1x1] + residual
      -> ReLU -> 1x1 filters -> ReLU -> 1x1 -> logits
    output "binary":      (h, w, 1) Bernoulli logits        (binarised data in {0, 1})
           "categorical": (h, w, levels) softmax logits     (data in [0, 1], levels values)

NLL in nats per image (sum over pixels). Sampling draws pixels one by one (``h * w``
forward passes). Grey images only (one channel: no R/G/B sub-masks).
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import torch
import torch.nn.functional as F

from ..models.model import Model
from .steps import check_unit_interval, first_input, minimize, params_of

__all__ = ["PixelCNN"]


class PixelCNN(Model):
    """Args:
        image_shape: ``(height, width, 1)``.
        filters: channels of the hidden maps.
        blocks: residual blocks of type-B masked 3x3 convolutions.
        kernel_size: the first (type A) convolution's odd kernel size.
        output: ``"binary"`` or ``"categorical"``; ``levels`` values for the latter.

    ``compile(optimizer="adam")`` then ``fit(x)`` (no ``y``); logs ``loss`` = NLL in nats
    per image. :meth:`nll` gives per-image NLLs, :meth:`sample` draws images.
    """

    def __init__(self, image_shape: Sequence[int] = (28, 28, 1), filters: int = 64,
                 blocks: int = 5, kernel_size: int = 7, output: str = "binary",
                 levels: int = 256, **kwargs: Any):
        super().__init__(**kwargs)
        import nnlab
        from .. import layers as L
        image_shape = tuple(int(s) for s in image_shape)
        if len(image_shape) != 3 or image_shape[-1] != 1:
            raise ValueError(f"PixelCNN: image_shape must be (height, width, 1), got "
                             f"{image_shape}")
        if output not in ("binary", "categorical"):
            raise ValueError(f"PixelCNN: output must be 'binary' or 'categorical', got "
                             f"{output!r}")
        self.image_shape, self.output_type, self.levels = image_shape, output, levels
        self.first = L.MaskedConv2D(filters, kernel_size, mask_type="A")
        self.blocks = torch.nn.ModuleList(
            torch.nn.ModuleList([L.MaskedConv2D(filters, 3, mask_type="B"),
                                 L.MaskedConv2D(filters, 1, mask_type="B")])
            for _ in range(blocks))
        self.head = L.MaskedConv2D(filters, 1, mask_type="B")
        self.logits_conv = L.MaskedConv2D(1 if output == "binary" else levels, 1,
                                          mask_type="B")
        self.tracker = nnlab.metrics.Mean(name="loss")
        self.built = True
        with torch.no_grad():
            self(torch.zeros((1,) + image_shape))  # builds the weights now

    @property
    def metrics(self) -> list:
        return [self.tracker]

    def call(self, x: torch.Tensor, training: Optional[bool] = None) -> torch.Tensor:
        """``(batch, h, w, 1)`` in [0, 1] -> logits ``(batch, h, w, 1 | levels)``."""
        h = F.relu(self.first(x))
        for conv, mix in self.blocks:
            h = h + mix(F.relu(conv(F.relu(h))))
        return self.logits_conv(F.relu(self.head(F.relu(h))))

    def _checked(self, x: Any) -> torch.Tensor:
        x = torch.as_tensor(x, dtype=torch.float32)
        if tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(f"PixelCNN: expected images of shape (batch,) + "
                             f"{self.image_shape}, got {tuple(x.shape)}")
        check_unit_interval("PixelCNN", x)
        return x

    def nll(self, x: Any, training: Optional[bool] = None) -> torch.Tensor:
        """``-log p(x)`` per image ``(batch,)`` in nats."""
        x = self._checked(x)
        logits = self(x, training=training)
        if self.output_type == "binary":
            return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum((1, 2, 3))
        target = torch.round(x[..., 0] * (self.levels - 1)).long()         # N x H x W
        return F.cross_entropy(logits.permute(0, 3, 1, 2), target,
                               reduction="none").sum((1, 2))

    def train_step(self, data: Any) -> dict:
        loss = self.nll(first_input(data), training=True).mean()
        minimize(self.optimizer, loss, params_of(self))
        self.tracker.update_state(loss.detach())
        return {"loss": self.tracker.result()}

    def test_step(self, data: Any) -> dict:
        self.tracker.update_state(self.nll(first_input(data), training=False).mean())
        return {"loss": self.tracker.result()}

    def sample(self, n: int, image_shape: Optional[Sequence[int]] = None) -> torch.Tensor:
        """``n`` images ``(n, h, w, 1)`` in [0, 1], drawn pixel by pixel in raster order."""
        if image_shape is not None and tuple(image_shape) != self.image_shape:
            raise ValueError(f"PixelCNN.sample: this model was built for images of shape "
                             f"{self.image_shape}, got image_shape={tuple(image_shape)}")
        h, w, _ = self.image_shape
        x = torch.zeros((n,) + self.image_shape)
        was = self.training
        self.eval()
        try:
            with torch.no_grad():
                for i in range(h):
                    for j in range(w):
                        logits = self(x, training=False)[:, i, j]          # n x (1 | levels)
                        if self.output_type == "binary":
                            x[:, i, j, 0] = torch.bernoulli(torch.sigmoid(logits[:, 0]))
                        else:
                            v = torch.multinomial(torch.softmax(logits, -1), 1)[:, 0]
                            x[:, i, j, 0] = v.float() / (self.levels - 1)
        finally:
            self.train(was)
        return x
