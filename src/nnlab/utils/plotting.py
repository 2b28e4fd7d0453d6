"""``plot_model``: the model's layer graph, as text and (optionally) as an image.

Keras draws with graphviz through pydot; neither is a dependency of nnlab (graphviz is a
system package). nnlab renders the same boxes itself: as text always, and to a PNG, PDF
or SVG with matplotlib (the ``plot`` extra) when ``to_file`` is given. Hand-written:
no library here lays out a layer graph without graphviz.
"""
from __future__ import annotations

import os
from typing import Any, List, Optional, Tuple


class ModelDiagram(str):
    """The text rendering (a ``str``); ``path`` is the image file written, if any.

    In a notebook a PNG diagram is displayed as the image."""

    path: Optional[str] = None

    def _repr_png_(self) -> Optional[bytes]:
        if self.path and self.path.lower().endswith(".png") and os.path.isfile(self.path):
            with open(self.path, "rb") as f:
                return f.read()
        return None


def _graph(model: Any) -> Tuple[List[Any], List[Tuple[int, int]], List[Any]]:
    """``(layers, edges (src_index, dst_index), output shapes)`` in execution order."""
    from ..models.functional import Functional
    from ..models.sequential import Sequential
    from ..layers.base.input_layer import InputLayer
    if isinstance(model, Sequential):
        if not model.built:
            raise ValueError(f"plot_model: model {model.name!r} is not built yet; give the "
                             f"first layer input_shape=(...) or call model.build((None, ...))")
        layers = list(model.layers)
        shapes = list(model._output_shapes)
        first = model._batch_input_shape
        nodes = [("input", InputLayer, first)] + [(layer.name, type(layer), s)
                                                 for layer, s in zip(layers, shapes)]
        return nodes, [(i, i + 1) for i in range(len(layers))], layers
    if isinstance(model, Functional):
        node_ids = {id(n) for n in model.nodes}
        layers = list(model.layers)
        index = {id(layer): i for i, layer in enumerate(layers)}
        nodes, edges = [], []
        for i, layer in enumerate(layers):
            own = [n for n in layer._inbound_nodes if id(n) in node_ids]
            shapes = [t.shape for t in own[0].output_tensors] if own else [None]
            nodes.append((layer.name, type(layer), shapes[0] if len(shapes) == 1 else shapes))
            for node in own:
                for t in node.input_tensors:
                    src = t.history[0]
                    if id(src) in index and (index[id(src)], i) not in edges:
                        edges.append((index[id(src)], i))
        return nodes, edges, layers
    raise TypeError(f"plot_model needs an nnlab Sequential or functional Model, got "
                    f"{type(model).__name__} (for a subclassed model use model.summary())")


def _label(node: Tuple[str, type, Any], layer: Any, show_shapes: bool, show_layer_names: bool,
           show_layer_activations: bool, show_trainable: bool, show_dtype: bool) -> str:
    from ..layers.base.layer import format_shape
    name, cls, shape = node
    head = f"{name} ({cls.__name__})" if show_layer_names else cls.__name__
    parts = [head]
    act = getattr(layer, "activation", None) if layer is not None else None
    if show_layer_activations and act is not None:
        parts.append(f"activation: {getattr(act, '__name__', type(act).__name__)}")
    if show_shapes and shape is not None:
        parts.append(f"output: {format_shape(shape)}")
    if show_dtype:
        parts.append("dtype: float32")
    if show_trainable and layer is not None:
        parts.append(f"trainable: {'yes' if layer.trainable else 'no'}")
    return " | ".join(parts)


def _draw(labels: List[str], edges: List[Tuple[int, int]], path: str, dpi: int,
          rankdir: str) -> None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "plot_model(to_file=...) draws with matplotlib: pip install 'nnlab[plot]' (or "
            "matplotlib). Without it, plot_model(model, to_file=None) returns the text "
            "diagram; nnlab does not use graphviz/pydot.") from None
    n = len(labels)
    horizontal = rankdir == "LR"
    width = max(len(s) for s in labels) * 0.075 + 0.6
    size = (max(3.0, (width + 0.6) * n), 2.0) if horizontal else (max(3.0, width + 0.6),
                                                                 0.7 * n + 0.4)
    fig, ax = plt.subplots(figsize=size)
    pos = [(i * (width + 0.6), 0.0) if horizontal else (0.0, -i * 0.7) for i in range(n)]
    for (x, y), text in zip(pos, labels):
        ax.text(x, y, text, ha="center", va="center", fontsize=8, family="monospace",
                bbox={"boxstyle": "round,pad=0.3", "fc": "#eef3fb", "ec": "#335"})
    for a, b in edges:
        (x0, y0), (x1, y1) = pos[a], pos[b]
        ax.annotate("", xy=(x1, y1 + (0 if horizontal else 0.17)),
                    xytext=(x0, y0 - (0 if horizontal else 0.17)),
                    arrowprops={"arrowstyle": "->", "color": "#335",
                                "connectionstyle": "arc3,rad=0.0" if b == a + 1 else
                                "arc3,rad=0.4"})
    xs, ys = [p[0] for p in pos], [p[1] for p in pos]
    ax.set_xlim(min(xs) - width / 2 - 0.3, max(xs) + width / 2 + 0.3)
    ax.set_ylim(min(ys) - 0.5, max(ys) + 0.5)
    ax.axis("off")
    fig.savefig(path, dpi=min(dpi, 150), bbox_inches="tight")
    plt.close(fig)


def plot_model(model: Any, to_file: Optional[str] = "model.png", show_shapes: bool = False,
               show_dtype: bool = False, show_layer_names: bool = False, rankdir: str = "TB",
               expand_nested: bool = False, dpi: int = 200, show_layer_activations: bool = False,
               show_trainable: bool = False, **kwargs: Any) -> ModelDiagram:
    """Draw the layer graph (``keras.utils.plot_model``), one box per layer, top to bottom.

    Args:
        model: a built Sequential or functional Model.
        to_file: image path (``.png``, ``.pdf``, ``.svg``), drawn with matplotlib; ``None``
            writes nothing and only returns the text.
        show_shapes / show_layer_names / show_layer_activations / show_trainable /
            show_dtype: what each box shows (Keras' flags).
        rankdir: ``"TB"`` (top to bottom) or ``"LR"`` (left to right).
        dpi: image resolution (capped at 150 to keep files small).
        expand_nested, and graphviz-only options such as ``splines``: accepted and
            ignored (nested models are drawn as one box).

    Returns:
        :class:`ModelDiagram`: the text rendering, e.g. ``"input (InputLayer)\\n  |\\n  v\\n..."``;
        its ``.path`` is the file written.

    Raises:
        ValueError: unbuilt model, unknown ``rankdir`` or image suffix.
        ImportError: ``to_file`` given and matplotlib is not installed (says what to install).
    """
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"plot_model: rankdir must be 'TB' or 'LR', got {rankdir!r}")
    if to_file is not None and not str(to_file).lower().endswith((".png", ".pdf", ".svg")):
        raise ValueError(f"plot_model: to_file must end in .png, .pdf or .svg, got {to_file!r}")
    nodes, edges, layers = _graph(model)
    layer_for = [None] * (len(nodes) - len(layers)) + layers
    labels = [_label(node, layer, show_shapes, show_layer_names, show_layer_activations,
                     show_trainable, show_dtype) for node, layer in zip(nodes, layer_for)]
    lines = []
    for i, text in enumerate(labels):
        sources = [a for a, b in edges if b == i and a != i - 1]
        if sources:
            lines.append("  (also from: " + ", ".join(nodes[a][0] for a in sources) + ")")
        lines.append(text)
        if i < len(labels) - 1:
            lines += ["  |", "  v"]
    diagram = ModelDiagram("\n".join(lines))
    if to_file is not None:
        _draw(labels, edges, os.fspath(to_file), dpi, rankdir)
        diagram.path = os.fspath(to_file)
    return diagram
