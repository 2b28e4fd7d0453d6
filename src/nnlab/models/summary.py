"""``model.summary()``: the Keras table, from shapes recorded at build time (no data).

    Model: "sequential"
    _________________________________________________________________
     Layer (type)                Output Shape              Param #
    =================================================================
     dense (Dense)               (None, 512)               401,920
     dense_1 (Dense)             (None, 10)                5,130
    =================================================================
    Total params: 407,050 (1.55 MB)
    Trainable params: 407,050 (1.55 MB)
    Non-trainable params: 0 (0.00 B)
    _________________________________________________________________

Functional models add a ``Connected to`` column (``layer[node][tensor]``) and list
their InputLayers. Batch norm's moving statistics count as non-trainable, as in Keras.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

from ..layers.base.input_layer import InputLayer
from ..layers.base.layer import Layer, format_shape


def _human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} TB"  # pragma: no cover


def param_counts(module) -> Tuple[int, int]:
    """``(trainable, non_trainable)`` weight counts of a layer or model."""
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    if isinstance(module, Layer):
        total = module.count_params()
    else:
        total = sum(p.numel() for p in module.parameters()) + sum(
            b.numel() for b in module.buffers() if b.is_floating_point())
    return trainable, total - trainable


def sequential_rows(model) -> Tuple[List[List[str]], bool]:
    """A Sequential's rows: one per layer with its output shape and parameter count."""
    if not model.built:
        raise ValueError(f"Model {model.name!r} is not built yet, so its shapes are "
                         f"unknown: give the first layer input_shape=(...), or call "
                         f"model.build((None, ...)) or the model on data first.")
    return [[f"{layer.name} ({type(layer).__name__})", format_shape(shape),
             f"{layer.count_params():,}"]
            for layer, shape in zip(model.layers, model._output_shapes)], False


def graph_rows(model) -> Tuple[List[List[str]], bool]:
    """A functional model's rows, with the "Connected to" column."""
    rows = []
    node_ids = {id(n) for n in model.nodes}
    for layer in model.layers:
        nodes = [n for n in layer._inbound_nodes if id(n) in node_ids]
        shape = [t.shape for t in nodes[0].output_tensors]
        links = []
        for node in nodes:
            for t in node.input_tensors:
                src, ni, ti = t.history
                links.append(f"{src.name}[{ni}][{ti}]")
        label = "InputLayer" if isinstance(layer, InputLayer) else type(layer).__name__
        rows.append([f"{layer.name} ({label})",
                     format_shape(shape[0] if len(shape) == 1 else shape),
                     f"{layer.count_params():,}", ", ".join(links) or "-"])
    return rows, True


def _rows(model) -> Tuple[List[List[str]], bool]:
    """Sequential and functional models name their own row builder (``_summary_rows``);
    any other module lists its children, shapes unknown."""
    own = getattr(model, "_summary_rows", None)
    if own is not None:
        return own()
    rows = [[f"{getattr(m, 'name', n)} ({type(m).__name__})", "?",
             f"{sum(param_counts(m)):,}"] for n, m in model.named_children()]
    return rows, False


def summary_text(model, line_length: Optional[int] = None) -> str:
    """The summary table as a string (what ``model.summary()`` prints)."""
    rows, connected = _rows(model)
    headers = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if connected
                                                             else [])
    base = [29, 26, 10, 26][:len(headers)]
    widths = [max([base[i], len(headers[i]) + 2] + [len(r[i]) + 2 for r in rows])
              for i in range(len(headers))]
    total_width = max(sum(widths) + 1, line_length or 0)

    def line(cells):
        return " " + "".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    trainable, non_trainable = param_counts(model)
    total = trainable + non_trainable
    out = [f'Model: "{model.name}"', "_" * total_width, line(headers), "=" * total_width]
    for i, row in enumerate(rows):
        out.append(line(row))
        if i < len(rows) - 1:
            out.append("")
    out += ["=" * total_width,
            f"Total params: {total:,} ({_human_bytes(4 * total)})",
            f"Trainable params: {trainable:,} ({_human_bytes(4 * trainable)})",
            f"Non-trainable params: {non_trainable:,} ({_human_bytes(4 * non_trainable)})",
            "_" * total_width]
    return "\n".join(out)
