"""Walk a model's layer calls with shapes only (no data): the common ground of the analyses.

:func:`walk` flattens a Sequential or functional model (models nested inside are walked
recursively) into the list of **leaf layer calls** in execution order. Each
:class:`Call` carries the input and output shapes (batch axis included) and integer keys
for its input and output tensors, so an analysis can carry a value per tensor along the
graph (the receptive field does).

Shapes come from each layer's ``compute_output_shape`` (arithmetic for the built-in
layers, a run on torch's ``meta`` device otherwise), so walking VGG-16 costs nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from torch import nn

from ..errors import ShapeError
from ..models.functional import Functional
from ..layers.base.input_layer import InputLayer
from ..layers.base.layer import Layer, format_shape
from ..models.sequential import Sequential
from ..layers.base.symbolic import SymbolicTensor
from ..layers.base.torch_module import TorchModule
from ..utils.naming import to_snake_case
from ..tree import flatten_shape_structure, is_shape, map_structure

Shape = Tuple[Optional[int], ...]


@dataclass
class Call:
    """One call of a leaf layer.

    Attributes:
        name: the layer's name, prefixed ``outer/`` inside a nested model and suffixed
            ``#2``, ``#3`` ... for the second, third ... call of a shared layer.
        layer: the layer object.
        inputs / outputs: shapes, batch axis included (``(None, 224, 224, 3)``).
        in_keys / out_keys: keys of the input and output tensors within this walk.
        depth: 0 for the model's own layers, 1 inside a nested model, ...
    """

    name: str
    layer: Layer
    inputs: List[Shape]
    outputs: List[Shape]
    in_keys: List[int]
    out_keys: List[int]
    depth: int = 0


@dataclass
class Walk:
    """The result of :func:`walk`: model inputs, leaf calls, model outputs."""

    input_shapes: List[Shape]
    input_keys: List[int]
    calls: List[Call] = field(default_factory=list)
    output_keys: List[int] = field(default_factory=list)
    output_shapes: List[Shape] = field(default_factory=list)


def as_layer(model: Any) -> Layer:
    """``model`` itself when it is an nnlab layer; a plain ``torch.nn.Module`` wrapped as
    one (DESIGN.md: any ``nn.Module`` is a layer), named after its class and run on the
    shapes it is given as they are (its own layout, e.g. ``(C, H, W)``)."""
    if isinstance(model, Layer):
        return model
    if not isinstance(model, nn.Module):
        raise TypeError(f"nnlab.analysis: expected an nnlab model/layer or a torch.nn.Module, "
                        f"got {type(model).__name__}")
    return TorchModule(model, channels_first=False, name=to_snake_case(type(model).__name__))


def is_container(layer: Any) -> bool:
    """Sequential and functional models are walked into; every other layer is a leaf."""
    return isinstance(layer, (Sequential, Functional))


def leaf_layers(model: Layer) -> Iterator[Tuple[str, Layer, int]]:
    """``(qualified name, layer, depth)`` of every distinct leaf layer, in model order.

    Needs no shapes (an unbuilt Sequential works). Shared layers appear once. A plain
    ``torch.nn.Module`` gives its leaf submodules that hold weights (``features.0``, ...).
    """
    seen: set = set()
    if not isinstance(model, Layer):
        inside: list = []              # torch's quantized modules are leaves with packed parts
        for name, module in model.named_modules():
            if not name or any(name.startswith(q + ".") for q in inside):
                continue
            quantized = type(module).__module__.startswith("torch.ao.nn.quantized")
            if quantized:
                inside.append(name)
            if (quantized or not any(True for _ in module.children())) and \
                    any(True for _ in module.state_dict()):
                yield name, module, name.count(".")
        return

    def visit(container: Layer, prefix: str, depth: int):
        for layer in container.layers:
            if isinstance(layer, InputLayer) or id(layer) in seen:
                continue
            seen.add(id(layer))
            if is_container(layer):
                yield from visit(layer, f"{prefix}{layer.name}/", depth + 1)
            else:
                yield f"{prefix}{layer.name}", layer, depth

    if not is_container(model):
        yield model.name, model, 0
        return
    yield from visit(model, "", 0)


def _with_batch(shape: Sequence[Optional[int]], expected: Shape) -> Shape:
    shape = tuple(shape)
    if len(shape) == len(expected) - 1:
        return (None,) + shape
    return shape


def model_input_shapes(model: Layer, input_shape: Any = None) -> List[Shape]:
    """The model's input shape(s), or ``input_shape`` (with or without the batch axis)."""
    if isinstance(model, Sequential):
        expected = model.input_shape
        if expected is None and input_shape is None:
            raise ValueError(f"Model {model.name!r} has no input shape yet: give the first "
                             f"layer input_shape=(...), call model.build((None, ...)), or "
                             f"pass input_shape=(...) to the analysis.")
        if input_shape is None:
            return [tuple(expected)]
        if expected is None:
            return [(None,) + tuple(input_shape)]
        return [_with_batch(input_shape, expected)]
    if isinstance(model, Functional):
        expected = [t.shape for t in model.inputs]
        if input_shape is None:
            return expected
        given = [input_shape] if is_shape(tuple(input_shape)) and len(expected) == 1 \
            else list(input_shape)
        if len(given) != len(expected):
            raise ValueError(f"Model {model.name!r} has {len(expected)} inputs, input_shape "
                             f"gives {len(given)} shapes")
        return [_with_batch(g, e) for g, e in zip(given, expected)]
    shape = getattr(model, "_build_shape", None)
    if input_shape is not None:
        return [(None,) + tuple(input_shape) if shape is None or len(input_shape) == len(shape)
                - 1 else tuple(input_shape)]
    if shape is None or not is_shape(shape):
        raise ValueError(f"Layer {model.name!r} ({type(model).__name__}) has no known input "
                         f"shape; pass input_shape=(...) to the analysis.")
    return [tuple(shape)]


class _Walker:
    def __init__(self) -> None:
        self._keys = count()
        self.calls: List[Call] = []
        self._times_called: Dict[int, int] = {}

    def new_key(self) -> int:
        return next(self._keys)

    def _name(self, prefix: str, layer: Layer) -> str:
        n = self._times_called.get(id(layer), 0) + 1
        self._times_called[id(layer)] = n
        return f"{prefix}{layer.name}" + (f"#{n}" if n > 1 else "")

    def leaf(self, layer: Layer, arg: Any, in_shapes: List[Shape], in_keys: List[int],
             prefix: str, depth: int) -> Tuple[List[Shape], List[int]]:
        try:
            out = layer.compute_output_shape(arg)
        except ShapeError:
            raise
        except Exception as exc:  # a foreign module's error: say where it happened
            raise ShapeError(f"Layer {layer.name!r} ({type(layer).__name__}) cannot take input "
                             f"shape {format_shape(arg if is_shape(arg) else list(arg))}: "
                             f"{exc}") from exc
        outs = [tuple(s) for s in flatten_shape_structure(out)]
        keys = [self.new_key() for _ in outs]
        self.calls.append(Call(self._name(prefix, layer), layer, in_shapes, outs, in_keys, keys,
                               depth))
        return outs, keys

    def layer(self, layer: Layer, arg: Any, in_shapes: List[Shape], in_keys: List[int],
              prefix: str, depth: int) -> Tuple[List[Shape], List[int]]:
        if isinstance(layer, Sequential):
            return self.sequential(layer, in_shapes[0], in_keys[0],
                                   f"{prefix}{layer.name}/", depth + 1)
        if isinstance(layer, Functional):
            return self.functional(layer, in_shapes, in_keys, f"{prefix}{layer.name}/",
                                   depth + 1)
        return self.leaf(layer, arg, in_shapes, in_keys, prefix, depth)

    def sequential(self, model: Sequential, shape: Shape, key: int, prefix: str, depth: int
                   ) -> Tuple[List[Shape], List[int]]:
        shapes, keys = [shape], [key]
        for layer in model.layers:
            shapes, keys = self.layer(layer, shapes[0], shapes[:1], keys[:1], prefix, depth)
        return shapes, keys

    def functional(self, model: Functional, shapes: List[Shape], keys: List[int], prefix: str,
                   depth: int) -> Tuple[List[Shape], List[int]]:
        values: Dict[int, Tuple[Shape, int]] = {
            id(sym): (s, k) for sym, s, k in zip(model.inputs, shapes, keys)}
        for node in model.nodes:
            if isinstance(node.layer, InputLayer):
                continue
            tensors = node.input_tensors
            in_shapes = [values[id(t)][0] for t in tensors]
            in_keys = [values[id(t)][1] for t in tensors]
            arg = map_structure(lambda t: values[id(t)][0] if isinstance(t, SymbolicTensor)
                                else t, node.args[0]) if node.args else in_shapes
            outs, out_keys = self.layer(node.layer, arg, in_shapes, in_keys, prefix, depth)
            for sym, s, k in zip(node.output_tensors, outs, out_keys):
                values[id(sym)] = (s, k)
        result = [values[id(t)] for t in model.outputs]
        return [s for s, _ in result], [k for _, k in result]


def walk(model: Layer, input_shape: Any = None) -> Walk:
    """Leaf layer calls of ``model`` with their shapes, for ``input_shape`` (default: the
    model's own; with or without the batch axis; a list for several inputs).

    Raises:
        ValueError: the model has no known input shape and none was given.
        ShapeError: a layer cannot take the shape that reaches it.
    """
    model = as_layer(model)
    shapes = model_input_shapes(model, input_shape)
    walker = _Walker()
    keys = [walker.new_key() for _ in shapes]
    result = Walk(shapes, keys)
    if isinstance(model, Sequential):
        outs, out_keys = walker.sequential(model, shapes[0], keys[0], "", 0)
    elif isinstance(model, Functional):
        outs, out_keys = walker.functional(model, shapes, keys, "", 0)
    else:
        outs, out_keys = walker.leaf(model, shapes[0], shapes, keys, "", 0)
    result.calls = walker.calls
    result.output_shapes, result.output_keys = outs, out_keys
    return result


def per_sample(shape: Shape) -> int:
    """Number of elements of one sample (the batch axis dropped); unknown sizes raise."""
    n = 1
    for d in shape[1:]:
        if d is None:
            raise ValueError(f"Shape {format_shape(shape)} has an unknown size; pass a fixed "
                             f"input_shape=(...) to the analysis.")
        n *= d
    return n
