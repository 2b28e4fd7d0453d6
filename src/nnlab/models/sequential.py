"""``Sequential``: a linear stack of layers (Keras' first model type).

    model = Sequential([Dense(512, input_shape=(784,), activation="relu"),
                        Dense(10, activation="softmax")])
    model.add(Dropout(0.5))

Any ``torch.nn.Module`` can be added; it is wrapped in :class:`TorchModule`.
When the input shape is known (``input_shape=`` on the first layer, an ``Input``, or
``build``), every layer is built as it is added and its output shape recorded.
"""
from __future__ import annotations

from typing import Any, Iterable, List, Optional, Sequence

from torch import nn

from ..errors import ShapeError
from ..layers.base.config_values import layer_from_config, layer_to_config
from ..layers.base.fast_call import call_layer
from ..layers.base.input_layer import InputLayer
from ..layers.base.layer import Layer, format_shape
from .input_rank import adjust_rank
from .summary import sequential_rows
from .model import Model
from ..layers.base.symbolic import SymbolicTensor
from ..layers.base.torch_module import TorchModule


class Sequential(Model):
    """A stack of layers, each fed the previous one's output.

    Input shape: the first layer's ``input_shape`` plus a batch axis.
    Output shape: the last layer's output shape.
    """

    _config_holds_layers = True  # from_config rebuilds the layer configs itself

    def _summary_rows(self):
        return sequential_rows(self)

    def __init__(self, layers: Optional[Iterable[Any]] = None, name: Optional[str] = None,
                 **kwargs: Any):
        super().__init__(name=name, **kwargs)
        self._stack: List[Layer] = []
        self._output_shapes: List[Any] = []
        self._symbolic: List[SymbolicTensor] = []
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self) -> List[Layer]:
        return list(self._stack)

    def add(self, layer: Any) -> None:
        """Append a layer (or an ``Input``, or any ``torch.nn.Module``)."""
        if isinstance(layer, SymbolicTensor):
            layer = layer.history[0]
        if isinstance(layer, InputLayer):
            if self._stack:
                raise ValueError("Sequential.add: an Input can only come first")
            self._batch_input_shape = tuple(layer.batch_shape)
            return
        if not isinstance(layer, Layer):
            if not isinstance(layer, nn.Module):
                raise TypeError(f"Sequential.add expects a layer or torch.nn.Module, got "
                                f"{type(layer).__name__}")
            layer = TorchModule(layer)
        if layer.name in self._modules or hasattr(type(self), layer.name):
            raise ValueError(f"Sequential {self.name!r} already has a layer named {layer.name!r}"
                             f"; layer names must be unique")
        if not self._stack and self._batch_input_shape is None and \
                layer._batch_input_shape is not None:
            self._batch_input_shape = tuple(layer._batch_input_shape)
        self.add_module(layer.name, layer)
        self._stack.append(layer)
        if self._batch_input_shape is not None:
            self._build_from(len(self._stack) - 1)

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._stack:
            raise ValueError("Sequential.pop: the model has no layers")
        layer = self._stack.pop()
        del self._modules[layer.name]
        if len(self._output_shapes) > len(self._stack):
            self._output_shapes.pop()
            self._symbolic.pop()
        return layer

    def build(self, input_shape: Optional[Sequence[Optional[int]]] = None) -> None:
        """Build every layer for ``input_shape`` (batch axis included, e.g. ``(None, 784)``)."""
        if input_shape is not None:
            self._batch_input_shape = tuple(input_shape)
        if self._batch_input_shape is None:
            raise ValueError(f"Sequential {self.name!r} has no input shape: give the first "
                             f"layer input_shape=(...) or call model.build((None, ...)).")
        self._build_from(0)

    def maybe_build(self, input_shape: Any) -> None:
        if not self.built:
            self.build(input_shape)

    def _build_from(self, start: int) -> None:
        """Call layers ``start..`` on symbolic tensors: builds them, records output shapes
        and the graph that ``model.input`` / ``layer.output`` expose (as in Keras)."""
        if start == 0 or not self._symbolic:
            start = 0
            self._symbolic = [InputLayer(batch_input_shape=self._batch_input_shape,
                                         name=f"{self.name}_input")._inbound_nodes[0].outputs]
        del self._symbolic[start + 1:]
        del self._output_shapes[start:]
        x = self._symbolic[start]
        for layer in self._stack[start:]:
            try:
                x = layer(x)
            except (ShapeError, ValueError, TypeError):
                raise
            except Exception as exc:  # a foreign module's error: say where it happened
                raise ShapeError(f"Layer {layer.name!r} ({type(layer).__name__}) cannot take "
                                 f"input shape {format_shape(x.shape)}: {exc}") from exc
            if not isinstance(x, SymbolicTensor):
                raise ValueError(f"Layer {layer.name!r} returns several tensors; a Sequential "
                                 f"layer must return one. Use the functional API.")
            self._symbolic.append(x)
            self._output_shapes.append(x.shape)
        self.built = len(self._output_shapes) == len(self._stack) > 0

    @property
    def input(self):
        if not self._symbolic:
            raise AttributeError(f"Sequential {self.name!r} has no input shape yet")
        return self._symbolic[0]

    @property
    def output(self):
        if len(self._symbolic) < 2:
            raise AttributeError(f"Sequential {self.name!r} is not built yet")
        return self._symbolic[-1]

    @property
    def input_shape(self):
        return self._batch_input_shape

    @property
    def output_shape(self):
        if not self._output_shapes:
            raise ValueError(f"Sequential {self.name!r} is not built yet")
        return self._output_shapes[-1]

    def compute_output_shape(self, input_shape):
        shape = input_shape
        for layer in self._stack:
            shape = layer.compute_output_shape(shape)
        return shape

    def check_input_shape(self, shape):
        expected = self._batch_input_shape
        if expected is None or not isinstance(shape, tuple):
            return
        if self.__dict__.get("_built_by_call") and len(expected) > 2:
            # Built by its first call (no declared input), as Keras: later calls may
            # differ on the inner axes (a sequence length, the probes of an outer shape
            # inference); the rank and the feature axis stay.
            expected = (None,) * (len(expected) - 1) + expected[-1:]
        if len(shape) != len(expected) or any(
                e is not None and s is not None and e != s
                for e, s in zip(expected[1:], shape[1:])):
            raise ShapeError(f"Model {self.name!r} expects input shape "
                             f"{format_shape(expected)}, got {format_shape(shape)}.")

    def forward(self, inputs: Any, training: Optional[bool] = None) -> Any:
        expected = self._batch_input_shape
        if expected is not None:
            # Fast path: the exact expected shape (no None axes); else the full check.
            if inputs.shape[1:] != expected[1:]:
                inputs = adjust_rank(inputs, expected)  # (N, 28, 28) -> (N, 28, 28, 1)
                self.check_input_shape((None,) + tuple(inputs.shape[1:]))
        elif not self.built:
            self.build((None,) + tuple(inputs.shape[1:]))
            self._built_by_call = True
            if inputs.is_meta:  # built inside an outer layer's shape inference
                from ..layers.base.meta import call_on_meta
                return call_on_meta(self, inputs, (), {"training": training})
        x = inputs
        if training is None:
            for layer in self._stack:
                x = call_layer(layer, x)
        else:
            for layer in self._stack:
                x = layer(x, training=training)
        return x

    def get_config(self):
        config = {"name": self.name, "layers": [layer_to_config(layer) for layer in self._stack]}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        model = cls(name=config.get("name"))
        if config.get("batch_input_shape") is not None:
            model._batch_input_shape = tuple(config["batch_input_shape"])
        for layer_config in config["layers"]:
            model.add(layer_from_config(layer_config, custom_objects))
        return model
