"""``CategoryEncoding``: integer ids to one-hot, multi-hot or count vectors (Keras' layer).

Wraps ``torch.nn.functional.one_hot`` and ``Tensor.scatter_add_``; ids must lie in
``[0, num_tokens)`` (checked, with the layer's name in the error).
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np
import torch

from .base.layer import Layer

_MODES = ("one_hot", "multi_hot", "count")


class CategoryEncoding(Layer):
    """Encode integer ids of ``num_tokens`` categories.

    Args:
        num_tokens: number of categories; ids must be in ``[0, num_tokens)``.
        output_mode: ``"multi_hot"`` (default: 1 where an id occurs in the sample),
            ``"one_hot"`` (one vector per id) or ``"count"`` (occurrences, or the sum of
            ``count_weights``).
        sparse: Keras' sparse output; not supported (dense tensors only).

    Input shape: ints ``(batch,)`` or ``(batch, k)``. Output shape: ``one_hot``:
    ``(batch, num_tokens)`` for ``(batch,)`` or ``(batch, 1)``, else ``(batch, k,
    num_tokens)``; ``multi_hot``/``count``: ``(batch, num_tokens)`` (a rank-1 input is
    one sample: ``(num_tokens,)``). Call argument ``count_weights``: same shape as the
    input, for ``"count"``.

    Example:
        >>> CategoryEncoding(4, "multi_hot")(np.array([[0, 1], [0, 0], [1, 2], [3, 1]]))
        tensor([[1., 1., 0., 0.],
                [1., 0., 0., 0.],
                [0., 1., 1., 0.],
                [0., 1., 0., 1.]])
    """

    def __init__(self, num_tokens: Optional[int] = None, output_mode: str = "multi_hot",
                 sparse: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(num_tokens, int) or isinstance(num_tokens, bool) or num_tokens < 1:
            raise ValueError(f"CategoryEncoding: num_tokens must be a positive int, got "
                             f"{num_tokens!r}")
        if output_mode not in _MODES:
            raise ValueError(f"CategoryEncoding: output_mode must be one of {list(_MODES)}, "
                             f"got {output_mode!r}")
        if sparse:
            raise NotImplementedError("CategoryEncoding: sparse=True is not supported; "
                                      "nnlab returns dense tensors")
        self.num_tokens, self.output_mode = num_tokens, output_mode

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if self.output_mode == "one_hot":
            if len(shape) >= 2 and shape[-1] == 1:
                shape = shape[:-1]
            return shape + (self.num_tokens,)
        return (shape[0], self.num_tokens) if len(shape) >= 2 else (self.num_tokens,)

    def compute_output_dtype(self, input_dtype: torch.dtype) -> torch.dtype:
        return torch.float32

    def forward(self, inputs: Any, count_weights: Any = None, **kwargs: Any) -> Any:
        return self.call(inputs, count_weights)

    def call(self, inputs: Any, count_weights: Any = None) -> torch.Tensor:
        x = torch.as_tensor(np.asarray(inputs) if not isinstance(inputs, torch.Tensor)
                            else inputs)
        if x.is_floating_point():
            if not torch.equal(x, x.round()):
                raise TypeError(f"Layer {self.name!r} (CategoryEncoding) expects integer "
                                f"ids, got non-integer {x.dtype} values")
        x = x.long()
        if x.numel() and (int(x.min()) < 0 or int(x.max()) >= self.num_tokens):
            bad = int(x.min()) if int(x.min()) < 0 else int(x.max())
            raise ValueError(f"Layer {self.name!r} (CategoryEncoding) got id {bad}, outside "
                             f"[0, {self.num_tokens - 1}] (num_tokens={self.num_tokens})")
        if self.output_mode == "one_hot":
            if x.dim() >= 2 and x.shape[-1] == 1:
                x = x.squeeze(-1)
            return torch.nn.functional.one_hot(x, self.num_tokens).float()
        single = x.dim() <= 1
        rows = x.reshape(1, -1) if single else x.reshape(x.shape[0], -1)
        if count_weights is not None and self.output_mode == "count":
            w = torch.as_tensor(np.asarray(count_weights) if not isinstance(
                count_weights, torch.Tensor) else count_weights, dtype=torch.float32,
                device=rows.device).reshape(rows.shape)
        else:
            w = torch.ones(rows.shape, device=rows.device)
        out = torch.zeros(rows.shape[0], self.num_tokens, device=rows.device)
        out.scatter_add_(1, rows, w)
        if self.output_mode == "multi_hot":
            out = (out > 0).float()
        return out[0] if single else out
