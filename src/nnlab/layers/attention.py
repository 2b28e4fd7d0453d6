"""Attention layers: dot-product ``Attention`` (Luong et al. 2015), ``AdditiveAttention``
(Bahdanau et al. 2015) and ``MultiHeadAttention`` (Vaswani et al. 2017), with Keras 3's
semantics, weights and parameter counts.

Dot-product scores run through ``F.scaled_dot_product_attention`` (torch's fused
kernel) unless the attention weights themselves are asked for.
"""
from __future__ import annotations

import math
from typing import Any, List, Optional

import torch
import torch.nn.functional as F

from .. import initializers
from ..errors import ShapeError
from .base.layer import Layer, format_shape
from .base.symbolic import has_symbolic
from .base import keras_layout

_LARGE = 1.0e9  # Keras subtracts this from masked scores (65504 in float16)


def _additive_mask(mask: Optional[torch.Tensor], dtype: torch.dtype) -> Optional[torch.Tensor]:
    """A boolean keep-mask as Keras applies it: ``-1e9`` added where it is False."""
    if mask is None:
        return None
    big = 65504.0 if dtype == torch.float16 else _LARGE
    return (~mask.bool()).to(dtype) * -big


def _causal(tq: int, tv: int, device) -> torch.Tensor:
    return torch.ones(tq, tv, dtype=torch.bool, device=device).tril()


class _ScoresFlag:
    """Lets ``compute_output_shape`` see ``return_attention_scores`` of a symbolic call
    (the base passes only shapes to it)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if has_symbolic(args, kwargs):
            self._symbolic_scores = bool(kwargs.get("return_attention_scores", False))
            try:
                return super().__call__(*args, **kwargs)
            finally:
                self._symbolic_scores = False
        return super().__call__(*args, **kwargs)


class Attention(_ScoresFlag, Layer):
    """Dot-product attention: ``softmax(query @ key^T) @ value``.

    Args:
        use_scale: learn a scalar ``scale`` multiplying the scores.
        score_mode: ``'dot'`` (default) or ``'concat'``
            (``scores = w * sum(tanh(query + key), -1)`` with a learned scalar ``w``).
        dropout: dropout rate on the attention weights (training only).

    Call arguments: ``inputs = [query, value]`` or ``[query, value, key]`` (key defaults
    to value); ``mask = [query_mask, value_mask]`` (booleans ``(batch, Tq)`` /
    ``(batch, Tv)``); ``return_attention_scores``; ``use_causal_mask``; ``training``.

    Input shapes: query ``(batch, Tq, dim)``, value ``(batch, Tv, dim_v)``, key
    ``(batch, Tv, dim)``. Output shape: ``(batch, Tq, dim_v)``; with
    ``return_attention_scores`` also the weights ``(batch, Tq, Tv)``.

    Example:
        >>> import nnlab
        >>> from nnlab.layers import Attention
        >>> q, v = nnlab.Input((4, 8)), nnlab.Input((6, 8))
        >>> Attention()([q, v]).shape
        (None, 4, 8)
    """

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0,
                 **kwargs: Any):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"{type(self).__name__}: score_mode must be 'dot' or 'concat', "
                             f"got {score_mode!r}")
        if not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"{type(self).__name__}: dropout must be in [0, 1), got {dropout!r}")
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self._symbolic_scores = False

    def _validate(self, input_shape: Any) -> List[tuple]:
        cls = type(self).__name__
        if not isinstance(input_shape, list) or not 2 <= len(input_shape) <= 3:
            shown = format_shape(input_shape) if isinstance(input_shape, (list, tuple)) \
                else repr(input_shape)
            raise ShapeError(f"Layer {self.name!r} ({cls}) must be called on a list [query, "
                             f"value] or [query, value, key], got {shown}")
        shapes = [tuple(s) for s in input_shape]
        q, v = shapes[0], shapes[1]
        k = shapes[2] if len(shapes) > 2 else v
        if any(len(s) != 3 for s in (q, v, k)):
            raise ShapeError(f"Layer {self.name!r} ({cls}) expects query, value and key of "
                             f"rank 3 (batch, steps, dim), got {format_shape(shapes)}")
        if None not in (q[-1], k[-1]) and q[-1] != k[-1]:
            raise ShapeError(f"Layer {self.name!r} ({cls}) needs query and key with the same "
                             f"last axis, got {format_shape(shapes)}")
        if None not in (v[1], k[1]) and v[1] != k[1]:
            raise ShapeError(f"Layer {self.name!r} ({cls}) needs value and key with the same "
                             f"number of steps, got {format_shape(shapes)}")
        return [q, v, k]

    def build(self, input_shape):
        self._validate(input_shape)
        if self.use_scale:
            self.add_weight("scale", (), "ones")
        if self.score_mode == "concat":
            self.add_weight("concat_score_weight", (), "ones")

    def compute_output_shape(self, input_shape):
        q, v, k = self._validate(input_shape)
        out = q[:-1] + (v[-1],)
        return [out, q[:-1] + (k[1],)] if self._symbolic_scores else out

    def _scores(self, q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        if self.score_mode == "dot":
            scores = q @ k.transpose(-2, -1)
            return scores * self.scale if self.use_scale else scores
        total = q.unsqueeze(-2) + k.unsqueeze(-3)
        if self.use_scale:
            total = self.scale * total
        return self.concat_score_weight * torch.tanh(total).sum(-1)

    def compute_mask(self, inputs, mask=None):
        """The query's mask (Keras' rule): the output has the query's time steps."""
        return None if mask is None else list(mask)[0]

    def call(self, inputs, mask=None, training=None, return_attention_scores=False,
             use_causal_mask=False):
        self._validate([tuple(t.shape) for t in inputs] if isinstance(inputs, (list, tuple))
                       else tuple(inputs.shape))
        training = self.training if training is None else bool(training)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask, v_mask = (list(mask) + [None, None])[:2] if mask is not None else (None, None)
        keep = None if v_mask is None else v_mask.bool().unsqueeze(-2)  # (batch, 1, Tv)
        if use_causal_mask:
            causal = _causal(q.shape[1], k.shape[1], q.device)
            keep = causal if keep is None else keep & causal
        bias = _additive_mask(keep, q.dtype)
        p = self.dropout if training else 0.0
        if self.score_mode == "dot" and not return_attention_scores:
            # fused kernel; a learned scale multiplies the query (same scores)
            query = q * self.scale if self.use_scale else q
            out = F.scaled_dot_product_attention(query, k, v, attn_mask=bias, dropout_p=p,
                                                 scale=1.0)
            weights = None
        else:
            scores = self._scores(q, k)
            if bias is not None:
                scores = scores + bias
            weights = F.dropout(torch.softmax(scores, dim=-1), p, training=p > 0)
            out = weights @ v
        if q_mask is not None:
            out = out * q_mask.unsqueeze(-1).to(out.dtype)
        return (out, weights) if return_attention_scores else out


class AdditiveAttention(Attention):
    """Additive (Bahdanau-style) attention:
    ``scores = sum(scale * tanh(query[:, :, None] + key[:, None]), -1)``, then softmax and
    a weighted sum of ``value``.

    Args:
        use_scale: learn ``scale`` of shape ``(dim,)`` (default True, as Keras).
        dropout: dropout rate on the attention weights.

    Inputs, call arguments and shapes: as :class:`Attention`.
    Weights: ``scale`` ``(dim,)`` when ``use_scale`` (Keras' glorot_uniform for a vector:
    U(-sqrt(3 / dim), sqrt(3 / dim))).
    """

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, **kwargs: Any):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)
        self.score_mode = "additive"

    def build(self, input_shape):
        q = self._validate(input_shape)[0]
        if q[-1] is None:
            raise ShapeError(f"Layer {self.name!r} (AdditiveAttention) needs a known query "
                             f"dim, got {format_shape(input_shape)}")
        if self.use_scale:
            # Keras' glorot_uniform on a vector: fan_in = fan_out = dim
            limit = math.sqrt(3.0 / q[-1])
            self.add_weight("scale", (q[-1],), initializers.RandomUniform(-limit, limit))

    def _scores(self, q, k):
        total = torch.tanh(q.unsqueeze(-2) + k.unsqueeze(-3))
        return total @ self.scale if self.use_scale else total.sum(-1)


class MultiHeadAttention(_ScoresFlag, Layer):
    """Multi-head attention (Vaswani et al. 2017):
    ``concat_h(softmax(Q_h K_h^T / sqrt(key_dim)) V_h) W_o`` with learned projections.

    Args:
        num_heads: number of heads ``H``.
        key_dim: size of each head's query/key projection.
        value_dim: size of each head's value projection (default ``key_dim``).
        dropout: dropout rate on the attention weights.
        use_bias: biases in the four projections.
        output_shape: output features (default: the query's last axis).
        attention_axes: must be ``None`` (attend over all axes between batch and features).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer: as Keras.

    Call: ``mha(query, value, key=None, attention_mask=None, return_attention_scores=False,
    training=None, use_causal_mask=False)``; ``attention_mask`` is boolean
    ``(batch, Tq, Tv)``, True where attention is allowed.

    Input shapes: query ``(batch, Tq, dim_q)``, value ``(batch, Tv, dim_v)``, key
    ``(batch, Tv, dim_k)``. Output shape: ``(batch, Tq, output_shape or dim_q)``; with
    ``return_attention_scores`` also ``(batch, H, Tq, Tv)``.

    Weights (torch's layout, ``(out, in)``): ``query_kernel`` ``(H*key_dim, dim_q)``,
    ``key_kernel`` ``(H*key_dim, dim_k)``, ``value_kernel`` ``(H*value_dim, dim_v)``,
    ``output_kernel`` ``(out, H*value_dim)`` and their biases (Keras' parameter count).

    Example:
        >>> import nnlab
        >>> from nnlab.layers import MultiHeadAttention
        >>> x = nnlab.Input((10, 16))
        >>> MultiHeadAttention(num_heads=2, key_dim=8)(x, x).shape
        (None, 10, 16)
    """

    def keras_weight_rule(self, name: str):
        """Keras' layout of weight ``name`` (see :mod:`nnlab.layers.base.keras_layout`)."""
        return keras_layout.attention_rule(self.num_heads, name)

    def __init__(self, num_heads: int, key_dim: int, value_dim: Optional[int] = None,
                 dropout: float = 0.0, use_bias: bool = True, output_shape: Any = None,
                 attention_axes: Any = None, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        for argument, value in (("num_heads", num_heads), ("key_dim", key_dim),
                                ("value_dim", value_dim if value_dim is not None else 1)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"MultiHeadAttention: {argument} must be a positive int, "
                                 f"got {value!r}")
        if attention_axes is not None:
            raise NotImplementedError("MultiHeadAttention: only attention_axes=None (attend "
                                      "over every axis between batch and features) is supported")
        if isinstance(output_shape, (list, tuple)):
            if len(output_shape) != 1:
                raise NotImplementedError("MultiHeadAttention: output_shape must be an int")
            output_shape = output_shape[0]
        if not 0 <= dropout < 1:
            raise ValueError(f"MultiHeadAttention: dropout must be in [0, 1), got {dropout!r}")
        self.num_heads, self.key_dim = num_heads, key_dim
        self.value_dim = value_dim if value_dim is not None else key_dim
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        self.output_dim = output_shape
        self._inits = (kernel_initializer, bias_initializer)
        self._regs = (kernel_regularizer, bias_regularizer)
        self._symbolic_scores = False

    def __call__(self, query: Any, value: Any = None, key: Any = None, **kwargs: Any) -> Any:
        if isinstance(query, list) and value is None:  # replayed from a graph: one list
            return super().__call__(query, **kwargs)
        if value is None:
            raise TypeError("MultiHeadAttention needs query and value: mha(query, value)")
        inputs = [query, value] if key is None else [query, value, key]
        return super().__call__(inputs, **kwargs)

    def _shapes(self, input_shape: Any) -> List[tuple]:
        if not isinstance(input_shape, list) or not 2 <= len(input_shape) <= 3 or \
                any(len(s) < 3 for s in input_shape):
            raise ShapeError(f"Layer {self.name!r} (MultiHeadAttention) expects query, value "
                             f"(and key) of rank >= 3, got {format_shape(list(input_shape))}")
        q, v = tuple(input_shape[0]), tuple(input_shape[1])
        return [q, v, tuple(input_shape[2]) if len(input_shape) > 2 else v]

    def _project(self, name: str, in_dim: Optional[int], out_dim: int) -> None:
        if in_dim is None:
            raise ShapeError(f"Layer {self.name!r} (MultiHeadAttention) needs a known last "
                             f"axis for its {name} input")
        self.add_weight(f"{name}_kernel", (out_dim, in_dim), self._inits[0], self._regs[0])
        if self.use_bias:
            self.add_weight(f"{name}_bias", (out_dim,), self._inits[1], self._regs[1])
        else:
            setattr(self, f"{name}_bias", None)

    def build(self, input_shape):
        q, v, k = self._shapes(input_shape)
        h = self.num_heads
        self._project("query", q[-1], h * self.key_dim)
        self._project("key", k[-1], h * self.key_dim)
        self._project("value", v[-1], h * self.value_dim)
        self._project("output", h * self.value_dim, self.output_dim or q[-1])

    def compute_output_shape(self, input_shape):
        q, _, k = self._shapes(input_shape)
        out = q[:-1] + (self.output_dim or q[-1],)
        if not self._symbolic_scores:
            return out
        return [out, (q[0], self.num_heads) + q[1:-1] + k[1:-1]]

    def _heads(self, x: torch.Tensor, name: str, size: int) -> torch.Tensor:
        # (batch, ..., dim) -> (batch, heads, steps, size)
        y = F.linear(x.flatten(1, -2), getattr(self, f"{name}_kernel"),
                     getattr(self, f"{name}_bias"))
        return y.unflatten(-1, (self.num_heads, size)).transpose(1, 2)

    def call(self, inputs, attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        training = self.training if training is None else bool(training)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        q = self._heads(query, "query", self.key_dim)
        k = self._heads(key, "key", self.key_dim)
        v = self._heads(value, "value", self.value_dim)
        tq, tv = q.shape[2], k.shape[2]
        keep = None
        if attention_mask is not None:  # (batch, *Tq, *Tv) -> (batch, 1, Tq, Tv): all heads
            keep = attention_mask.bool().reshape(attention_mask.shape[0], 1, tq, tv)
        if use_causal_mask:
            causal = _causal(tq, tv, q.device)
            keep = causal if keep is None else keep & causal
        bias = _additive_mask(keep, q.dtype)
        p = self.dropout if training else 0.0
        scale = 1.0 / math.sqrt(self.key_dim)
        if return_attention_scores:
            scores = (q * scale) @ k.transpose(-2, -1)
            if bias is not None:
                scores = scores + bias
            weights = torch.softmax(scores, dim=-1)
            out = F.dropout(weights, p, training=p > 0) @ v
        else:
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, dropout_p=p,
                                                 scale=scale)
        # (batch, heads, Tq, value_dim) -> (batch, Tq, heads * value_dim) -> output
        out = F.linear(out.transpose(1, 2).flatten(2), self.output_kernel, self.output_bias)
        out = out.reshape(tuple(query.shape[:-1]) + (out.shape[-1],))
        if return_attention_scores:  # (batch, heads, *Tq, *Tv) as Keras returns them
            return out, weights.reshape(tuple(weights.shape[:2]) + tuple(query.shape[1:-1])
                                        + tuple(key.shape[1:-1]))
        return out

