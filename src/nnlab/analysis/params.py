"""Parameter counts per layer, trainable and not (as Keras counts them).

A convolution with ``C_in`` input and ``C_out`` output channels and a ``k x k`` kernel has
``k*k*C_in/groups*C_out`` weights plus ``C_out`` biases; a Dense layer ``in*out + out``;
batch normalization ``4*C`` (``gamma``, ``beta`` trainable; the moving mean and variance
non-trainable). Frozen layers (``layer.trainable = False``) count as non-trainable.
"""
from __future__ import annotations

from typing import List, NamedTuple

from ..layers.base.layer import Layer
from ..models.summary import param_counts
from ._graph import leaf_layers


class ParamRow(NamedTuple):
    """One leaf layer: qualified name (``outer/inner`` in nested models), class, counts."""

    name: str
    class_name: str
    trainable: int
    non_trainable: int

    @property
    def total(self) -> int:
        return self.trainable + self.non_trainable


class ParamReport(NamedTuple):
    """Result of :func:`count_params`.

    Attributes:
        rows: one :class:`ParamRow` per distinct leaf layer (shared layers once), in
            model order; weights a model holds outside its layers get a row ``(model)``.
        trainable / non_trainable / total: the model's totals (equal to ``summary()``'s).
    """

    rows: List[ParamRow]
    trainable: int
    non_trainable: int

    @property
    def total(self) -> int:
        return self.trainable + self.non_trainable

    def by_class(self) -> dict:
        """Total parameters per layer class, e.g. ``{'Conv2D': 14714688, 'Dense': ...}``."""
        out: dict = {}
        for row in self.rows:
            out[row.class_name] = out.get(row.class_name, 0) + row.total
        return out

    def __str__(self) -> str:
        width = max([len(r.name) + len(r.class_name) + 3 for r in self.rows] + [20])
        lines = [f"{'Layer (type)':<{width}} {'Trainable':>14} {'Non-trainable':>14}"]
        for r in self.rows:
            lines.append(f"{r.name + ' (' + r.class_name + ')':<{width}} {r.trainable:>14,} "
                         f"{r.non_trainable:>14,}")
        lines.append(f"{'Total: ' + format(self.total, ','):<{width}} {self.trainable:>14,} "
                     f"{self.non_trainable:>14,}")
        return "\n".join(lines)


def _quantized_count(module) -> int:
    """Weights torch's quantized modules hold packed, outside ``parameters()`` (the int8
    copy from ``nnlab.compress.quantize_int8``): counted as non-trainable."""
    total = 0
    for m in module.modules():
        if type(m).__module__.startswith("torch.ao.nn.quantized") and callable(
                getattr(m, "weight", None)):
            total += m.weight().numel()
            bias = m.bias() if callable(getattr(m, "bias", None)) else None
            total += 0 if bias is None else bias.numel()
    return total


def count_params(model: Layer) -> ParamReport:
    """Count the weights of ``model`` per layer, without data.

    Args:
        model: a Sequential or functional model (nested models are expanded into their
            layers, named ``outer/inner``), a single layer, or a plain ``torch.nn.Module``
            (one row per leaf submodule holding weights, named by its path). Build it
            first (an input shape), or its layers have no weights yet. The packed int8
            weights of a ``quantize_int8`` copy count as non-trainable.

    Returns:
        :class:`ParamReport` with per-layer rows and totals. Example: VGG-16 has
        138,357,544 parameters, 123,642,856 of them in its three Dense layers.

    Example:
        >>> import nnlab
        >>> from nnlab.layers import Conv2D, Dense, Flatten
        >>> m = nnlab.Sequential([Conv2D(8, 3, input_shape=(8, 8, 1)), Flatten(), Dense(10)])
        >>> count_params(m).total, [r.total for r in count_params(m).rows]
        (2970, [80, 0, 2890])
    """
    rows = []
    for name, layer, _ in leaf_layers(model):
        trainable, frozen = param_counts(layer)
        rows.append(ParamRow(name, type(layer).__name__, trainable,
                             frozen + _quantized_count(layer)))
    trainable, frozen = param_counts(model)
    frozen += _quantized_count(model)
    rest_t = trainable - sum(r.trainable for r in rows)
    rest_f = frozen - sum(r.non_trainable for r in rows)
    if rest_t or rest_f:  # weights owned by a subclassed model itself, not by a layer
        rows.append(ParamRow("(model)", type(model).__name__, rest_t, rest_f))
    return ParamReport(rows, trainable, frozen)
