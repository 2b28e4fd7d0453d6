"""The base of every nnlab layer: a ``torch.nn.Module`` with Keras' lazy-build contract.

A layer

- records its constructor arguments, so ``get_config()`` / ``from_config()`` work for
  every subclass without extra code (values must be JSON-friendly or nnlab objects);
- builds lazily: ``build(input_shape)`` creates weights the first time a shape is known
  (from ``input_shape=`` in a Sequential, a symbolic ``Input``, or the first real batch);
- computes output shapes without data: ``compute_output_shape`` is arithmetic in
  subclasses, and by default runs the layer on torch's ``meta`` device;
- checks its inputs against ``input_spec`` before any work and raises a
  :class:`~nnlab.errors.ShapeError` naming the layer, what it expected and what arrived.

Shapes are in the user-facing layout (``(batch, height, width, channels)`` by default)
and include the batch axis, ``None`` when unknown.
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Dict, Optional, Sequence

import numpy as np
import torch
from torch import nn

from ...errors import ShapeError
from ...tree import flatten, is_shape, map_shape_structure, map_structure
from ...utils.naming import reserve_name, to_snake_case, unique_name
from .build_config import build_from_config, get_build_config
from .config_values import deserialize_value, serialize_value
from .input_cast import FLOAT_IDS_LAYERS, cast_inputs, to_tensor
from .keras_members import KerasMembers
from .layer_weights import LayerWeights
from .masking import get_mask, set_mask, warn_dropped
from .meta import call_on_meta, infer_output_shape
from .registry import register_layer_class
from . import weight_args
from .symbolic import Node, SymbolicTensor, has_symbolic

_BASE_ARGS = ("input_shape", "batch_input_shape", "batch_size", "input_dim", "dtype")


def format_shape(shape: Any) -> str:
    """``(None, 26, 26, 32)`` printed as Keras prints it."""
    if isinstance(shape, list):
        return "[" + ", ".join(format_shape(s) for s in shape) + "]"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (
        ",)" if len(shape) == 1 else ")")


class Layer(LayerWeights, KerasMembers, nn.Module):
    """Base layer.

    Args:
        name: unique name (default: snake-cased class name plus a counter).
        trainable: ``False`` freezes every weight of the layer.
        input_shape: shape without the batch axis, for the first layer of a Sequential.
        batch_input_shape / batch_size / input_dim: Keras' other ways to say it.
        dtype: accepted for Keras compatibility (weights are float32).

    Subclasses implement ``build(input_shape)``, ``call(inputs, training=None)`` and,
    where arithmetic is cheaper or gives a clearer error, ``compute_output_shape``.
    """

    #: set by subclasses that hold no weights and accept any input (e.g. Activation)
    _accepts_any_shape = False

    #: the name ``save``/``load_model`` use for this class (see ``registry.py``)
    _registered_name: Optional[str] = None
    #: the class that holds that name when it is not this one (saving is then refused)
    _name_held_by: Optional[type] = None

    def __init_subclass__(cls, register: bool = True, namespace: Optional[str] = None,
                          override: bool = False, **kwargs):
        """``class MyLayer(Layer, namespace="my_pkg")`` registers ``"my_pkg>MyLayer"``;
        ``override=True`` replaces another class of the same name on purpose;
        ``register=False`` keeps a helper class out of the registry."""
        super().__init_subclass__(**kwargs)
        if register:
            cls._registered_name = register_layer_class(cls, namespace, override)
        cls._float_inputs_cast = cls.__name__ in FLOAT_IDS_LAYERS
        init = cls.__dict__.get("__init__")
        if init is not None and not getattr(init, "_records_config", False):
            cls.__init__ = _recording_init(init)
        call = cls.__dict__.get("call")
        if call is not None:
            params = inspect.signature(call).parameters
            cls._call_takes_training = "training" in params or any(
                p.kind is p.VAR_KEYWORD for p in params.values())
            cls._call_takes_mask = "mask" in params
        if "compute_mask" in cls.__dict__ and "supports_masking" not in cls.__dict__:
            cls.supports_masking = True  # Keras' rule: a layer that computes masks has them

    _call_takes_training = False
    _call_takes_mask = False
    #: float32 inputs are not passed through as is (lookup layers check they are ids)
    _float_inputs_cast = False
    #: the layer carries masks on (``compute_mask``); see :mod:`nnlab.layers.base.masking`
    supports_masking = False
    #: the layer makes a mask from unmasked inputs (Embedding(mask_zero=True), Masking)
    _makes_mask = False

    def __init__(self, name: Optional[str] = None, trainable: bool = True,
                 input_shape: Optional[Sequence[Optional[int]]] = None,
                 batch_input_shape: Optional[Sequence[Optional[int]]] = None,
                 batch_size: Optional[int] = None, input_dim: Optional[int] = None,
                 dtype: Any = None, **kwargs: Any):
        if kwargs:
            raise TypeError(
                f"{type(self).__name__}() got unexpected keyword argument(s): "
                f"{', '.join(sorted(kwargs))}")
        super().__init__()
        # Keras: a direct call runs inference unless training=True is passed; fit switches
        # to training mode for its steps and back. model.train() opts into torch's rule.
        self.training = False
        if name is not None and (not isinstance(name, str) or not name or "." in name):
            raise ValueError(f"Layer name must be a non-empty string without '.', got {name!r}")
        if name is not None:
            reserve_name(name)
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        self.built = False
        self.input_spec: Optional[Dict[str, Any]] = None
        self._build_shape = None
        self._inbound_nodes: list = []
        self._regularized: list = []
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            self._batch_input_shape = tuple(batch_input_shape)
        elif input_shape is not None:
            if isinstance(input_shape, int):
                input_shape = (input_shape,)
            self._batch_input_shape = (batch_size,) + tuple(input_shape)
        else:
            self._batch_input_shape = None

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, torch.Tensor) and "_parameters" in self.__dict__:
            weight_args.adopt_attribute_name(self, name, value)  # add_weight's unnamed
        if isinstance(value, (list, tuple)) and value and \
                all(isinstance(v, nn.Module) for v in value):
            value = nn.ModuleList(value)  # Keras tracks layers kept in a list attribute
        if isinstance(value, nn.Module) and not isinstance(value, Layer) and \
                not self.__dict__.get("training", True):
            value.eval()  # a plain torch submodule follows its (inference-mode) owner
        super().__setattr__(name, value)

    # ------------------------------------------------------------------ config
    def get_config(self) -> Dict[str, Any]:
        """The constructor arguments (Keras' ``get_config``), JSON-serialisable."""
        args = getattr(self, "_init_args", {})
        config = {k: serialize_value(v) for k, v in args.items()
                  if not (k in _BASE_ARGS and v is None)}
        config["name"] = self.name
        config["trainable"] = self.trainable
        config.setdefault("dtype", "float32")  # Keras' base config has it (weights: float32)
        if self._batch_input_shape is not None:
            own = inspect.signature(type(self).__init__).parameters
            for key in ("input_shape", "input_dim", "batch_size"):
                if key not in own:  # the base's way of giving the shape, not the layer's arg
                    config.pop(key, None)
            config["batch_input_shape"] = list(self._batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config: Dict[str, Any]) -> "Layer":
        return cls(**{k: deserialize_value(v) for k, v in config.items()})

    # ------------------------------------------------------------------ build
    def build(self, input_shape: Any) -> None:
        """Create weights for ``input_shape`` (batch axis included). Default: none."""

    def get_build_config(self) -> Optional[Dict[str, Any]]:
        """Keras 3's ``{"input_shape": [None, 8, 8, 3]}`` once built from a shape, else
        ``None`` (see :mod:`nnlab.layers.base.build_config`)."""
        return get_build_config(self)

    def build_from_config(self, config: Dict[str, Any]) -> None:
        """Keras 3's ``build_from_config``: build for ``config["input_shape"]``, sublayers
        included (see :mod:`nnlab.layers.base.build_config`)."""
        build_from_config(self, config)

    def maybe_build(self, input_shape: Any) -> None:
        """Check ``input_shape`` and build once."""
        if not self.built:
            self._check_rank(input_shape)
            # Weights made during a predict() (inference mode) must stay trainable tensors.
            with torch.inference_mode(False):
                self.build(input_shape)
            self.built = True
            self._build_shape = input_shape

    def _check_rank(self, input_shape: Any) -> None:
        spec = self.input_spec_before_build()
        if spec and is_shape(input_shape):
            self._check_against(spec, input_shape)

    def input_spec_before_build(self) -> Optional[Dict[str, Any]]:
        """Rank constraints known before build: override to return e.g. ``{"ndim": 4}``."""
        return None

    def _check_against(self, spec: Dict[str, Any], shape: tuple) -> None:
        ndim = spec.get("ndim")
        if ndim is not None and len(shape) != ndim:
            raise ShapeError(
                f"Layer {self.name!r} ({type(self).__name__}) expects inputs of rank {ndim} "
                f"{spec.get('layout', '')}, got shape {format_shape(shape)} "
                f"(rank {len(shape)}).".replace("  ", " "))
        min_ndim = spec.get("min_ndim")
        if min_ndim is not None and len(shape) < min_ndim:
            raise ShapeError(
                f"Layer {self.name!r} ({type(self).__name__}) expects inputs of rank >= "
                f"{min_ndim}, got shape {format_shape(shape)}.")
        for axis, size in spec.get("axes", {}).items():
            if axis >= len(shape) or axis < -len(shape):
                continue
            got = shape[axis]
            if got is not None and got != size:
                raise ShapeError(
                    f"Layer {self.name!r} ({type(self).__name__}) was built for inputs with "
                    f"{size} on axis {axis}, got shape {format_shape(shape)}. "
                    f"Check the previous layer's output or the data's shape.")

    def check_input_shape(self, shape: tuple) -> None:
        """Raise a ShapeError when ``shape`` does not fit the built weights."""
        if self.input_spec is not None and is_shape(shape):
            self._check_against(self.input_spec, shape)

    # ------------------------------------------------------------------ shape
    def compute_output_shape(self, input_shape: Any) -> Any:
        """Output shape(s) for ``input_shape``; default: run the layer on the meta device."""
        return infer_output_shape(self, input_shape)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The output mask for ``inputs`` whose mask is ``mask`` (Keras' ``compute_mask``):
        the input mask when ``supports_masking``, else ``None``."""
        return mask if self.supports_masking else None

    def compute_output_dtype(self, input_dtype: torch.dtype) -> torch.dtype:
        return torch.float32 if not input_dtype.is_floating_point else input_dtype

    # ------------------------------------------------------------------- call
    def call(self, inputs: Any, training: Optional[bool] = None) -> Any:  # pragma: no cover
        raise NotImplementedError(f"{type(self).__name__} does not implement call()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args and not isinstance(args[0], torch.Tensor) and (
                isinstance(args[0], np.ndarray) or (isinstance(args[0], (list, tuple))
                                                    and args[0]
                                                    and isinstance(args[0][0], np.ndarray))):
            args = (to_tensor(args[0]),) + args[1:]
        if has_symbolic(args, kwargs):
            return self._symbolic_call(args, kwargs)
        return super().__call__(*args, **kwargs)

    def forward(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """Run the layer on real tensors (builds on first use, checks shapes)."""
        if not (type(inputs) is torch.Tensor and inputs.dtype is torch.float32
                and not self._float_inputs_cast):
            inputs = cast_inputs(self, inputs)  # Keras' casting: float64/int -> float32
        if not self.built:
            self.maybe_build(_real_shape(inputs))
            first = next(iter(flatten(inputs)), None)
            if isinstance(first, torch.Tensor) and first.is_meta:
                # Built just now inside a shape inference of an outer layer, whose meta
                # snapshot of weights predates these: run on meta copies of them too.
                return call_on_meta(self, inputs, args, kwargs)
        spec = self.input_spec
        if spec is not None and not self._fits_spec(inputs, spec):
            self.check_input_shape(_real_shape(inputs))
        if not self._call_takes_training:
            kwargs.pop("training", None)
        previous = getattr(inputs, "_keras_mask", None) if type(inputs) is torch.Tensor \
            else get_mask(inputs)
        if previous is None and not self._makes_mask and kwargs.get("mask") is None:
            kwargs.pop("mask", None)
            return self.call(inputs, *args, **kwargs)  # the hot path: no mask anywhere
        return self._masked_call(inputs, previous, args, kwargs)

    def _masked_call(self, inputs: Any, previous: Any, args: tuple, kwargs: dict) -> Any:
        """``call`` with Keras' mask rules (see :mod:`nnlab.layers.base.masking`)."""
        mask = kwargs.pop("mask", None)
        if mask is None:
            mask = previous
        if self._call_takes_mask:
            kwargs["mask"] = mask
        outputs = self.call(inputs, *args, **kwargs)
        if self.supports_masking:
            set_mask(outputs, self.compute_mask(inputs, mask))
        elif mask is not None:
            warn_dropped(self)
        return outputs

    @staticmethod
    def _fits_spec(inputs: Any, spec: Dict[str, Any]) -> bool:
        """Cheap per-call test of a real tensor against ``input_spec`` (the hot path);
        on failure ``check_input_shape`` builds the full error message."""
        if not isinstance(inputs, torch.Tensor):
            return False
        shape = inputs.shape
        ndim = spec.get("ndim")
        if ndim is not None and len(shape) != ndim:
            return False
        min_ndim = spec.get("min_ndim")
        if min_ndim is not None and len(shape) < min_ndim:
            return False
        for axis, size in spec.get("axes", {}).items():
            if -len(shape) <= axis < len(shape) and shape[axis] != size:
                return False
        return True

    def _symbolic_call(self, args: tuple, kwargs: dict) -> Any:
        inputs = args[0]
        shape = map_structure(lambda t: t.shape, inputs)
        self.maybe_build(shape)
        self.check_input_shape(shape)
        out_shape = self.compute_output_shape(shape)
        dtype = next((t.dtype for t in flatten(inputs) if isinstance(t, SymbolicTensor)),
                     torch.float32)
        out_dtype = self.compute_output_dtype(dtype)
        node_index = len(self._inbound_nodes)
        counter = iter(range(1 << 30))

        def make(s):
            return SymbolicTensor(s, out_dtype, history=(self, node_index, next(counter)))

        outputs = map_shape_structure(make, out_shape)
        self._inbound_nodes.append(Node(self, args, kwargs, outputs))
        return outputs

    @property
    def output(self) -> Any:
        """Symbolic output of the layer's first call (Keras' ``layer.output``)."""
        return self._first_node("output").outputs

    @property
    def input(self) -> Any:
        """Symbolic input of the layer's first call (Keras' ``layer.input``)."""
        node = self._first_node("input")
        return node.args[0] if node.args else node.outputs

    def _first_node(self, what: str) -> Node:
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name!r} has never been called on a symbolic "
                                 f"tensor, so it has no {what}; build it in a functional "
                                 f"model or a Sequential with an input shape.")
        return self._inbound_nodes[0]

    def extra_repr(self) -> str:
        return f"name={self.name!r}"


def _real_shape(inputs: Any) -> Any:
    if isinstance(inputs, torch.Tensor):
        return (None,) + tuple(inputs.shape[1:])
    if isinstance(inputs, (list, tuple)):
        return [_real_shape(x) for x in inputs]
    return tuple(getattr(inputs, "shape", ()))


def _recording_init(init):
    """Wrap ``__init__`` so the outermost call stores its bound arguments in ``_init_args``."""

    sig = inspect.signature(init)

    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        outermost = "_init_args" not in self.__dict__
        if outermost:
            bound = sig.bind(self, *args, **kwargs)
            bound.apply_defaults()
            recorded = {}
            for name, value in list(bound.arguments.items())[1:]:
                param = sig.parameters[name]
                if param.kind is param.VAR_KEYWORD:
                    recorded.update(value)
                elif param.kind is param.VAR_POSITIONAL:
                    if value:
                        recorded[name] = list(value)
                else:
                    recorded[name] = value
            for key in ("name", "trainable"):
                recorded.pop(key, None)
            object.__setattr__(self, "_init_args", recorded)
        init(self, *args, **kwargs)

    wrapper._records_config = True
    return wrapper
