"""``clone_model``: the same architecture with new, freshly initialised layers (Keras').

A Sequential is rebuilt from its cloned layers; a functional model by replaying its
graph node by node on new ``Input``s with the cloned layers (a layer shared by several
nodes is cloned once, so sharing survives); a subclassed model through
``from_config(get_config())``. ``clone_function(layer) -> layer`` replaces the default
clone (``layer.__class__.from_config(layer.get_config())``), as in Keras.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional

from ..layers.base.input_layer import Input, InputLayer
from ..layers.base.layer import Layer
from ..layers.base.symbolic import SymbolicTensor
from ..tree import flatten, map_structure
from .functional import Functional
from .model import Model
from .sequential import Sequential


def _default_clone(layer: Layer) -> Layer:
    """Keras' default: same class and config (the name too), new weights."""
    return layer.__class__.from_config(layer.get_config())


def clone_model(model: Model, input_tensors: Any = None,
                clone_function: Optional[Callable[[Layer], Layer]] = None,
                **kwargs: Any) -> Model:
    """A new model like ``model``, with new weights (not copied; use
    ``new.set_weights(model.get_weights())`` to copy them).

    Args:
        model: a Sequential, functional or subclassed (with ``get_config``) model.
        input_tensors: symbolic inputs (from ``nnlab.Input``) to build the clone on,
            instead of new ones of the same shapes.
        clone_function: ``layer -> new layer``, applied to every layer.

    Raises:
        ValueError: a subclassed model whose class cannot be rebuilt from its config.
    """
    if kwargs:
        unknown = ", ".join(sorted(kwargs))
        raise TypeError(f"clone_model got unsupported argument(s): {unknown} (nnlab "
                        f"supports model, input_tensors and clone_function)")
    clone = clone_function or _default_clone
    if isinstance(model, Sequential):
        return _clone_sequential(model, input_tensors, clone)
    if isinstance(model, Functional):
        return _clone_functional(model, input_tensors, clone)
    try:
        return model.__class__.from_config(model.get_config())
    except (NotImplementedError, TypeError) as exc:
        raise ValueError(f"clone_model: model {model.name!r} ({type(model).__name__}) is "
                         f"subclassed and cannot be rebuilt from its config ({exc}); give "
                         f"its class get_config()/from_config()") from exc


def _clone_sequential(model: Sequential, input_tensors: Any, clone: Callable) -> Sequential:
    layers = [clone(layer) for layer in model.layers]
    new = Sequential(name=None)
    if input_tensors is not None:
        new.add(flatten(input_tensors)[0])
    elif model.input_shape is not None and not model.__dict__.get("_built_by_call"):
        new.add(Input(batch_shape=model.input_shape))
    for layer in layers:
        new.add(layer)
    return new


def _clone_functional(model: Functional, input_tensors: Any, clone: Callable) -> Functional:
    given = flatten(input_tensors) if input_tensors is not None else None
    if given is not None and len(given) != len(model.inputs):
        raise ValueError(f"clone_model: model {model.name!r} has {len(model.inputs)} inputs, "
                         f"input_tensors has {len(given)}")
    values: Dict[int, Any] = {}
    for i, sym in enumerate(model.inputs):
        layer = sym.history[0]
        values[id(sym)] = given[i] if given is not None else Input(
            batch_shape=layer.batch_shape, dtype=layer.input_dtype)
    clones: Dict[int, Layer] = {}

    def fetch(v: Any) -> Any:
        return values[id(v)] if isinstance(v, SymbolicTensor) else v

    for node in model.nodes:
        if isinstance(node.layer, InputLayer):
            continue
        if id(node.layer) not in clones:
            clones[id(node.layer)] = clone(node.layer)
        out = clones[id(node.layer)](*map_structure(fetch, node.args),
                                     **map_structure(fetch, node.kwargs))
        for old, new in zip(flatten(node.outputs), flatten(out)):
            values[id(old)] = new
    outputs = map_structure(fetch, model._output_struct)
    inputs = map_structure(fetch, model._input_struct)
    return Functional(inputs, outputs)


__all__ = ["clone_model"]
