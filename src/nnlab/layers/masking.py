"""``Masking``: mark padded time steps (all features equal to ``mask_value``) as skipped."""
from __future__ import annotations

from typing import Any

import torch

from .base.layer import Layer


class Masking(Layer):
    """Mask every time step whose features all equal ``mask_value`` (Keras' ``Masking``).

    ``mask[b, t] = any(inputs[b, t, :] != mask_value)``; the output is the input with the
    masked steps set to 0, carrying that mask (``_keras_mask``) to the layers after it:
    ``SimpleRNN``/``LSTM``/``GRU`` skip the step (the state is carried on unchanged),
    ``GlobalAveragePooling1D`` leaves it out of the mean, and losses in ``fit`` ignore it.

    Args:
        mask_value: the padding value (default 0.0).

    Input shape: ``(batch, timesteps, features)`` (any rank >= 2; the last axis is
    the features axis).
    Output shape: the same; mask ``(batch, timesteps)``.

    Example:
        >>> import torch
        >>> from nnlab.layers import Masking
        >>> x = torch.tensor([[[1.0], [0.0]]])
        >>> Masking()(x)._keras_mask
        tensor([[ True, False]])
    """

    _makes_mask = True

    def __init__(self, mask_value: float = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(mask_value, bool) or not isinstance(mask_value, (int, float)):
            raise ValueError(f"Masking: mask_value must be a number, got {mask_value!r}")
        self.mask_value = float(mask_value)

    def input_spec_before_build(self):
        return {"min_ndim": 2}

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def compute_mask(self, inputs: torch.Tensor, mask: Any = None) -> torch.Tensor:
        """``(batch, timesteps)`` booleans: True where some feature differs from
        ``mask_value``."""
        return (inputs != self.mask_value).any(dim=-1)

    def call(self, inputs):
        keep = (inputs != self.mask_value).any(dim=-1, keepdim=True)
        outputs = inputs * keep.to(inputs.dtype)
        outputs._keras_mask = keep.squeeze(-1)
        return outputs
