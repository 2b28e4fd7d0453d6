"""Shared arithmetic and helpers for the convolution, pooling and reshaping layers.

Spatial layers see the user's layout at their boundary (``channels_last``:
``(batch, *spatial, channels)``; ``channels_first``: ``(batch, channels, *spatial)``).
Inside, a channels_last tensor becomes torch's logical ``(batch, channels, *spatial)``
through a zero-copy ``movedim`` (memory stays channels_last, which oneDNN and cuDNN
run fastest) and goes back the same way.

Output length of a convolution or pooling window along one axis (the lecture's
formula, Python floor division)::

    out = floor((N - F + 2P) / S) + 1,   F = (K - 1) * D + 1 (dilated kernel size)

``padding='same'`` (Keras/TensorFlow semantics) pads so that ``out = ceil(N / S)``; the
total padding ``max((out - 1) * S + F - N, 0)`` is split with the extra element at the
end. ``padding='causal'`` (1D convolutions) pads ``F - 1`` on the left only.
"""
from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from ..config import normalize_data_format
from ..errors import ShapeError
from .base.layer import Layer, format_shape

_SPATIAL_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def normalize_tuple(value: Any, n: int, arg: str, owner: str, allow_zero: bool = False
                    ) -> Tuple[int, ...]:
    """``3`` -> ``(3, 3)`` for ``n=2``; a sequence must have ``n`` ints. Raises ValueError."""
    if isinstance(value, int) and not isinstance(value, bool):
        values = (value,) * n
    elif isinstance(value, (list, tuple)) and len(value) == n and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        values = tuple(value)
    else:
        values = None
    low = 0 if allow_zero else 1
    if values is None or any(v < low for v in values):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{owner}: {arg} must be a {kind} int or a tuple of {n} {kind} ints, "
                         f"got {value!r}")
    return values


def normalize_padding(value: Any, allowed: Sequence[str], owner: str) -> str:
    """Lower-case padding name, checked against ``allowed``. Raises ValueError."""
    if isinstance(value, str) and value.lower() in allowed:
        return value.lower()
    raise ValueError(f"{owner}: padding must be one of {', '.join(repr(a) for a in allowed)}, "
                     f"got {value!r}")


def normalize_window_padding(value: Any, allowed: Sequence[str], rank: int, owner: str):
    """Padding of a convolution or pooling window: one of Keras' names in ``allowed``
    (lower-cased), or -- an nnlab extension for PyTorch users -- an int or ``rank`` ints
    of explicit symmetric zero padding per spatial axis (torch's ``padding=``), returned
    as a tuple. Explicit padding runs inside the torch kernel, without the copy that a
    ``ZeroPadding2D`` layer in front makes. Raises ValueError."""
    if isinstance(value, (int, list, tuple)) and not isinstance(value, bool):
        try:
            return normalize_tuple(value, rank, "padding", owner, allow_zero=True)
        except ValueError:
            pass
    if isinstance(value, str) and value.lower() in allowed:
        return value.lower()
    raise ValueError(f"{owner}: padding must be one of {', '.join(repr(a) for a in allowed)} "
                     f"or {rank} non-negative int(s) of explicit padding, got {value!r}")


def normalize_pairs(value: Any, n: int, arg: str, owner: str) -> Tuple[Tuple[int, int], ...]:
    """Keras' padding/cropping amounts: an int (same everywhere), ``n`` ints (symmetric per
    axis) or ``n`` pairs ``(before, after)``. For ``n == 1`` a pair means ``(before, after)``.
    """
    def is_int(v):
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0

    pairs = None
    if is_int(value):
        pairs = ((value, value),) * n
    elif isinstance(value, (list, tuple)):
        if n == 1 and len(value) == 2 and all(is_int(v) for v in value):
            pairs = (tuple(value),)
        elif len(value) == n and all(is_int(v) for v in value):
            pairs = tuple((v, v) for v in value)
        elif len(value) == n and all(isinstance(p, (list, tuple)) and len(p) == 2 and
                                     all(is_int(v) for v in p) for p in value):
            pairs = tuple(tuple(p) for p in value)
    if pairs is None:
        form = "(before, after)" if n == 1 else \
            f"{n} non-negative ints or {n} pairs (before, after)"
        raise ValueError(f"{owner}: {arg} must be a non-negative int or {form}, got {value!r}")
    return pairs


def conv_output_length(n: Optional[int], f: int, p: int, s: int, d: int = 1) -> Optional[int]:
    """Output length of a convolution/pooling window along one axis.

    ``out = floor((N - F' + 2P) / S) + 1`` with the dilated kernel size
    ``F' = (F - 1) * D + 1``; ``N`` input length, ``F`` kernel (or pool) size, ``P`` the
    padding on each side, ``S`` the stride, ``D`` the dilation. Keras floors a stride that
    does not divide evenly (the last positions that do not fill a window are dropped).
    ``None`` (unknown length) gives ``None``; a result < 1 means the input is too small.

    >>> conv_output_length(28, 3, 0, 1)
    26
    >>> conv_output_length(227, 11, 0, 4)
    55
    """
    if n is None:
        return None
    return (n - ((f - 1) * d + 1) + 2 * p) // s + 1


def output_length(n: Optional[int], k: int, s: int, d: int, padding: Any) -> Optional[int]:
    """Output length for Keras' padding modes ``'valid'``, ``'same'`` and ``'causal'``, or
    an int of explicit padding on each side."""
    if n is None:
        return None
    if isinstance(padding, int):  # explicit symmetric padding
        return conv_output_length(n, k, padding, s, d)
    if padding == "valid":
        return conv_output_length(n, k, 0, s, d)
    return -(-n // s)  # same and causal: ceil(N / S)


def same_padding(n: int, k: int, s: int, d: int = 1) -> Tuple[int, int]:
    """``(before, after)`` padding of Keras' ``'same'``: output ``ceil(N/S)``, extra at the end."""
    eff = (k - 1) * d + 1
    out = -(-n // s)
    total = max((out - 1) * s + eff - n, 0)
    return total // 2, total - total // 2


def padding_pairs(spatial: Sequence[int], kernel: Sequence[int], strides: Sequence[int],
                  dilation: Sequence[int], padding: Any) -> List[Tuple[int, int]]:
    """Per-axis ``(before, after)`` padding for the given input lengths (``padding``: a
    Keras mode, or a tuple of explicit symmetric amounts per axis)."""
    if isinstance(padding, tuple):
        return [(p, p) for p in padding]
    if padding == "valid":
        return [(0, 0)] * len(spatial)
    if padding == "causal":
        return [((k - 1) * d, 0) for k, d in zip(kernel, dilation)]
    return [same_padding(n, k, s, d) for n, k, s, d in zip(spatial, kernel, strides, dilation)]


def apply_padding(x: torch.Tensor, pairs: Sequence[Tuple[int, int]], value: float = 0.0
                  ) -> Tuple[torch.Tensor, Any]:
    """Return ``(x, torch_padding)``: symmetric padding is left to the torch kernel (no copy);
    asymmetric padding is applied with ``F.pad`` and the kernel then gets ``0``."""
    if all(b == a for b, a in pairs):
        return x, tuple(b for b, _ in pairs)
    flat: List[int] = []
    for before, after in reversed(pairs):
        flat += [before, after]
    return F.pad(x, flat, value=value), 0


def spatial_names(rank: int) -> Tuple[str, ...]:
    return _SPATIAL_NAMES[rank]


def layout(rank: int, data_format: str) -> str:
    """``'(batch, height, width, channels)'`` and friends, for error messages and docs."""
    names = ("steps",) if rank == 1 else spatial_names(rank)
    if data_format == "channels_last":
        return "(batch, " + ", ".join(names) + ", channels)"
    return "(batch, channels, " + ", ".join(names) + ")"


def spatial_of(shape: Sequence[Optional[int]], data_format: str) -> Tuple[Optional[int], ...]:
    """The spatial sizes of a full shape (batch axis included)."""
    return tuple(shape[1:-1]) if data_format == "channels_last" else tuple(shape[2:])


def with_spatial(batch: Any, channels: Any, spatial: Sequence[Any], data_format: str) -> tuple:
    """Assemble ``(batch, *spatial, channels)`` or ``(batch, channels, *spatial)``."""
    if data_format == "channels_last":
        return (batch,) + tuple(spatial) + (channels,)
    return (batch, channels) + tuple(spatial)


def to_channels_first(x: torch.Tensor, data_format: str) -> torch.Tensor:
    """User layout -> torch's ``(batch, channels, *spatial)``, a zero-copy view."""
    return x.movedim(-1, 1) if data_format == "channels_last" else x


def kernel_memory_format(layer: Layer, name: str, rank: int, data_format: str) -> None:
    """Store the kernel ``name`` (torch's ``(out, in, *kernel)`` shape, unchanged) in
    channels_last memory when the layer's activations are channels_last.

    oneDNN and cuDNN pick the channels_last path when the input is channels_last; a
    kernel in the default contiguous format is then copied to channels_last on every
    forward, again in the backward pass, and its gradient copied back when it is
    accumulated (three kernel-sized copies per conv per step; 51 in ResNet-18). A kernel
    already in that format is used as is, and its gradient and the optimizer's state
    take the same strides. Hand-written loops get the same effect from
    ``model.to(memory_format=torch.channels_last)``.
    """
    fmt = {2: torch.channels_last, 3: torch.channels_last_3d}.get(rank)
    if fmt is None or data_format != "channels_last":
        return
    weight = getattr(layer, name)
    with torch.no_grad():  # not .contiguous(fmt): for 1x1 kernels it keeps the old strides,
        # which differ from those of the gradient oneDNN returns (a copy per accumulation)
        weight.data = torch.empty_like(weight.data, memory_format=fmt).copy_(weight.data)


def to_user_layout(y: torch.Tensor, data_format: str) -> torch.Tensor:
    """Torch's ``(batch, channels, *spatial)`` -> user layout, a zero-copy view."""
    return y.movedim(1, -1) if data_format == "channels_last" else y


def empty_output_error(layer: Layer, input_shape: Sequence[Optional[int]], axis: int,
                       rank: int, n: int, k: int, s: int, d: int, padding: Any,
                       what: str = "kernel") -> ShapeError:
    """The error for an output axis that would be empty, with the formula and its numbers."""
    name = _SPATIAL_NAMES.get(rank, ())[axis] if rank in _SPATIAL_NAMES else f"axis {axis}"
    eff = (k - 1) * d + 1
    size = f"{what} {k}" if d == 1 else f"{what} {k} with dilation {d} (effective size {eff})"
    head = f"Layer {layer.name!r} ({type(layer).__name__}): output {name} would be "
    if padding == "valid" or isinstance(padding, int):
        p = padding if isinstance(padding, int) else 0
        num = n - eff + 2 * p
        out = num // s + 1
        floor = "" if num % s == 0 else " (rounded down)"
        formula = (f"(N - F + 2P)/S + 1 = ({n} - {eff} + 2*{p})/{s} + 1 = {out}{floor}")
    else:
        out = -(-n // s)
        formula = f"ceil(N/S) = ceil({n}/{s}) = {out}"
    return ShapeError(
        f"{head}{formula}; the input {format_shape(tuple(input_shape))} is too small for "
        f"{size} with stride {s} and padding {padding!r}. Use a larger input, a smaller "
        f"{what} or stride, or padding='same'.")


def check_output_lengths(layer: Layer, input_shape: Sequence[Optional[int]],
                         spatial: Sequence[Optional[int]], kernel: Sequence[int],
                         strides: Sequence[int], dilation: Sequence[int], padding: Any,
                         what: str = "kernel") -> Tuple[Optional[int], ...]:
    """Output lengths per spatial axis; raises the empty-output ShapeError before any work."""
    out = []
    for i, (n, k, s, d) in enumerate(zip(spatial, kernel, strides, dilation)):
        p = padding[i] if isinstance(padding, tuple) else padding
        length = output_length(n, k, s, d, p)
        if length is not None and length < 1:
            raise empty_output_error(layer, input_shape, i, len(spatial), n, k, s, d, p, what)
        out.append(length)
    return tuple(out)


def explain_kernel_error(layer: Layer, inputs: torch.Tensor, error: Exception) -> None:
    """A torch kernel refused ``inputs``: raise the layer's clear ShapeError (from
    ``compute_output_shape``, e.g. the empty-output formula) chained to torch's error,
    or re-raise torch's error when the shape is not the cause. Costs nothing per call:
    it runs only after a failure."""
    try:
        layer.compute_output_shape((None,) + tuple(inputs.shape[1:]))
    except ShapeError as clear:
        raise clear from error
    raise error


class SpatialLayer(Layer):
    """Base for layers on ``(batch, *spatial, channels)`` data: resolves ``data_format``,
    writes it explicitly into the config, and checks the input rank with a clear message.

    Subclasses set ``self.rank`` and ``self.data_format`` (via :meth:`_set_format`).
    """

    rank = 2
    data_format = "channels_last"
    #: config keys whose normalised values replace the raw constructor arguments
    _normalized_config: Tuple[str, ...] = ()

    def _set_format(self, rank: int, data_format: Optional[str]) -> None:
        self.rank = rank
        self.data_format = normalize_data_format(data_format)

    @property
    def channel_axis(self) -> int:
        return -1 if self.data_format == "channels_last" else 1

    def input_spec_before_build(self):
        return {"ndim": self.rank + 2, "layout": layout(self.rank, self.data_format)}

    def _known_channels(self, input_shape) -> int:
        """The input's channel count; a ShapeError when it is unknown (``None``)."""
        channels = input_shape[self.channel_axis]
        if channels is None:
            raise ShapeError(f"Layer {self.name!r} ({type(self).__name__}) needs a known "
                             f"channels axis, got input shape {format_shape(input_shape)} "
                             f"(data_format={self.data_format!r})")
        return channels

    def _channels_spec(self, channels: int) -> dict:
        """``input_spec`` of a layer whose weights were built for ``channels`` channels."""
        return {"ndim": self.rank + 2, "axes": {self.channel_axis: channels},
                "layout": layout(self.rank, self.data_format)}

    def _padded_channels_first(self, inputs: torch.Tensor):
        """``(x, pad)``: ``inputs`` as a channels-first view, padded for ``self.padding``
        (asymmetric 'same' padding applied here, symmetric returned for the kernel)."""
        x = to_channels_first(inputs, self.data_format)  # N x C x *spatial (a view)
        pairs = padding_pairs(x.shape[2:], self.kernel_size, self.strides, self.dilation_rate,
                              self.padding)
        return apply_padding(x, pairs)

    def get_config(self):
        config = super().get_config()
        if "data_format" in config:
            config["data_format"] = self.data_format
        for key in self._normalized_config:
            value = getattr(self, key)
            config[key] = [list(v) if isinstance(v, tuple) else v for v in value] \
                if isinstance(value, tuple) else value
        return config


def spatial_call(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor,
                 data_format: str) -> torch.Tensor:
    """Run a torch kernel that wants ``(batch, channels, *spatial)`` on user-layout data."""
    return to_user_layout(fn(to_channels_first(x, data_format)), data_format)
