"""``profile(model)``: one table with everything the analyses know about each layer.

    Layer (type)              Output Shape            Param #      MACs   Memory     RF
    input (Input)             (None, 224, 224, 3)           0         0  602.1 KB    1x1
    block1_conv1 (Conv2D)     (None, 224, 224, 64)      1,792   86.70 M   12.85 MB   3x3
    ...

Columns: output shape, parameters (a shared layer's on its first call only), MACs of one
image (:mod:`~nnlab.analysis.macs`), activation memory of its output per image
(:mod:`~nnlab.analysis.memory`; ``-`` for in-place layers) and the receptive field of the
output (:mod:`~nnlab.analysis.receptive_field`). Byte units are decimal (1 MB = 10**6 B).
"""
from __future__ import annotations

from typing import Any, List

from ..layers.base.layer import Layer, format_shape
from ..models.summary import param_counts
from ._graph import as_layer, walk
from .macs import macs_per_layer
from .memory import activation_memory
from .receptive_field import receptive_field_per_call


def human_count(n: float) -> str:
    """``15470264320`` -> ``'15.47 G'`` (K, M, G, T: powers of 1000)."""
    for unit, size in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.2f} {unit}"
    return f"{int(n)}"


def human_bytes(n: float) -> str:
    """``60950432`` -> ``'60.95 MB'`` (decimal units)."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.2f} {unit}"
    return f"{int(n)} B"


def _rf_text(row) -> str:
    if row is None:
        return "-"
    return "x".join(str(v) for v in row.size)


def profile(model: Layer, input_shape: Any = None, dtype_bytes: int = 4) -> str:
    """A per-layer table: output shape, parameters, MACs, activation memory and receptive
    field, with totals (parameters, GMACs, forward and training memory per image).

    Args:
        model: a built Sequential or functional model (nested models expanded).
        input_shape: e.g. ``(224, 224, 3)``; default the model's own.
        dtype_bytes: bytes per element for the memory columns (4 for float32).

    Returns:
        the table as a string (``print(profile(model))``).
    """
    macs = macs_per_layer(model, input_shape)
    memory = activation_memory(model, dtype_bytes, input_shape=input_shape)
    fields = receptive_field_per_call(model, input_shape)
    mem_rows = memory.rows
    inputs = [r for r in mem_rows if r.class_name == "Input"]
    table: List[List[str]] = []
    for r in inputs:
        rank = max(len(r.output_shape) - 2, 1)
        table.append([f"{r.name} (Input)", format_shape(r.output_shape), "0", "0",
                      human_bytes(r.bytes), "x".join(["1"] * rank)])
    seen: set = set()
    mem_calls = mem_rows[len(inputs):]
    layers = [call.layer for call in walk(model, input_shape).calls]
    for m, mem, rf, layer in zip(macs, mem_calls, fields, layers):
        if id(layer) in seen:
            params = "(shared)"
        else:
            seen.add(id(layer))
            params = f"{sum(param_counts(layer)):,}"
        shape = m.output_shape
        table.append([f"{m.name} ({m.class_name})",
                      format_shape(shape if isinstance(shape, tuple) else list(shape)),
                      params, human_count(m.macs) if m.macs else "0",
                      "-" if mem.inplace and not mem.bytes else human_bytes(mem.bytes),
                      _rf_text(rf)])
    headers = ["Layer (type)", "Output Shape", "Param #", "MACs", "Memory", "RF"]
    widths = [max(len(h), *(len(row[i]) for row in table)) + 2 for i, h in enumerate(headers)]

    def line(cells):
        left = cells[0].ljust(widths[0]) + cells[1].ljust(widths[1])
        return left + "".join(c.rjust(w) for c, w in zip(cells[2:], widths[2:]))

    width = sum(widths)
    total_params = sum(param_counts(model))
    total_macs = sum(m.macs for m in macs)
    out = [f'Profile of "{as_layer(model).name}" (per image, {dtype_bytes}-byte elements)', "=" * width,
           line(headers), "-" * width]
    out += [line(row) for row in table]
    out += ["=" * width,
            f"Total params: {total_params:,} ({human_bytes(memory.param_bytes)})",
            f"Total MACs: {total_macs:,} ({human_count(total_macs)}MACs, "
            f"~{human_count(2 * total_macs)}FLOPs)",
            f"Activation memory: {human_bytes(memory.forward_bytes)} forward, "
            f"~{human_bytes(memory.training_bytes)} forward + backward "
            f"({memory.elements:,} activations)"]
    return "\n".join(out)

