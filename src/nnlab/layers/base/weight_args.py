"""``Layer.add_weight``'s arguments in the three spellings programs use, to one form.

- Keras 3 (keras.io's custom-layer idiom): ``add_weight(shape=None, initializer=None,
  dtype=None, trainable=True, autocast=True, regularizer=None, constraint=None,
  aggregation="none", overwrite_with_gradient=False, name=None)`` -- ``add_weight((3, 2))``
  or ``add_weight(shape=(3, 2), initializer="zeros", trainable=False, name="b")``;
- Keras 2 with keywords: ``add_weight(name="w", shape=(3, 2), initializer=..., ...)``;
- nnlab's own positional form: ``add_weight("kernel", (units, in_dim), init, reg,
  trainable)`` (a name first).

Keras 3's default initializer is ``"glorot_uniform"`` for float weights and ``"zeros"``
otherwise. A weight without a name gets ``"variable"`` (``variable_1``, ...) and is
renamed after the attribute it is assigned to (``self.w = self.add_weight(...)`` is
``"w"`` in ``state_dict``), see :func:`adopt_attribute_name`.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import torch

from ...dtypes import to_torch_dtype

_KERAS3_ORDER = ("shape", "initializer", "dtype", "trainable", "autocast", "regularizer",
                 "constraint", "aggregation", "overwrite_with_gradient", "name")
_NNLAB_ORDER = ("name", "shape", "initializer", "regularizer", "trainable")
_ACCEPTED = set(_KERAS3_ORDER) | {"use_resource", "synchronization", "partitioner",
                                   "caching_device", "experimental_autocast"}


class WeightArgs:
    """The resolved arguments: ``name`` (None: automatic), ``shape`` (a tuple),
    ``initializer``, ``dtype`` (a torch dtype), ``trainable``, ``regularizer``."""

    def __init__(self, name: Optional[str], shape: Tuple[int, ...], initializer: Any,
                 dtype: torch.dtype, trainable: bool, regularizer: Any):
        self.name, self.shape, self.initializer = name, shape, initializer
        self.dtype, self.trainable, self.regularizer = dtype, trainable, regularizer


def resolve(layer_name: str, args: tuple, kwargs: Dict[str, Any]) -> WeightArgs:
    """Map the call's ``args``/``kwargs`` to :class:`WeightArgs`; a clear TypeError names
    the layer for an unknown keyword, a repeated argument or a missing shape."""
    order = _NNLAB_ORDER if args and isinstance(args[0], str) else _KERAS3_ORDER
    if len(args) > len(order):
        raise TypeError(f"add_weight of layer {layer_name!r}: at most {len(order)} "
                        f"positional arguments ({', '.join(order)}), got {len(args)}")
    given = dict(zip(order, args))
    for key, value in kwargs.items():
        if key not in _ACCEPTED:
            raise TypeError(f"add_weight of layer {layer_name!r} got an unexpected keyword "
                            f"argument {key!r}; Keras 3's are {', '.join(_KERAS3_ORDER)}")
        if key in given:
            raise TypeError(f"add_weight of layer {layer_name!r} got {key!r} twice "
                            f"(positionally and as a keyword)")
        given[key] = value
    if given.get("constraint") is not None:
        raise NotImplementedError(f"add_weight of layer {layer_name!r}: constraint= is not "
                                  f"supported by nnlab; clip the weight in the layer's "
                                  f"call or in a callback instead")
    shape = given.get("shape")
    if shape is None:
        shape = ()  # Keras 3: a scalar weight
    shape = (int(shape),) if isinstance(shape, int) else tuple(int(d) for d in shape)
    dtype = to_torch_dtype(given.get("dtype"))
    initializer = given.get("initializer")
    if initializer is None:
        initializer = "glorot_uniform" if dtype.is_floating_point else "zeros"
    trainable = given.get("trainable")
    trainable = True if trainable is None else bool(trainable)
    if trainable and not dtype.is_floating_point:
        raise TypeError(f"add_weight of layer {layer_name!r}: a trainable weight must be a "
                        f"float, got dtype {dtype}; pass trainable=False")
    name = given.get("name")
    if name is not None and (not isinstance(name, str) or not name or "." in name):
        raise ValueError(f"add_weight of layer {layer_name!r}: name must be a non-empty "
                         f"string without '.', got {name!r}")
    return WeightArgs(name, shape, initializer, dtype, trainable, given.get("regularizer"))


def automatic_name(module: torch.nn.Module) -> str:
    """``variable``, ``variable_1``, ... : the first not yet used in ``module``."""
    taken = set(module._parameters) | set(module._buffers) | set(module.__dict__)
    name, i = "variable", 0
    while name in taken:
        i += 1
        name = f"variable_{i}"
    return name


def adopt_attribute_name(layer: torch.nn.Module, attr: str, value: torch.Tensor) -> None:
    """Before ``layer.attr = value``: a weight ``add_weight`` registered under an
    automatic name drops that name, so the attribute's name is its one key; a buffer
    (non-trainable weight) registered under another name moves to the attribute's name,
    so ``.to(device)`` and ``state_dict`` see the tensor the attribute holds. Its weight
    penalty and integer-weight mark follow it."""
    if attr in layer._parameters or attr in layer._buffers:
        return
    automatic = layer.__dict__.get("_automatic_weights", set())
    old = None
    if isinstance(value, torch.nn.Parameter):
        old = next((k for k, p in layer._parameters.items() if p is value and k in automatic),
                   None)
        if old is not None:
            del layer._parameters[old]
    else:
        old = next((k for k, b in layer._buffers.items()
                    if b is value and k not in layer._non_persistent_buffers_set), None)
        if old is not None:
            del layer._buffers[old]
            layer.register_buffer(attr, value)
    if old is None:
        return
    automatic.discard(old)
    ints = layer.__dict__.get("_int_weights", set())
    if old in ints:
        ints.discard(old)
        ints.add(attr)
    layer._regularized = [(attr if k == old else k, r) for k, r in layer._regularized]
