"""``Model``: the base of Sequential and functional models, and of subclassed models.

A model is a :class:`~nnlab.layers.base.layer.Layer` (so it nests inside other models) and a
plain ``torch.nn.Module`` (``model(x)``, ``model.parameters()``, ``state_dict()``...).
It adds the Keras model API: ``summary``, ``save``/``load_weights``, ``get_layer``
and the training methods ``compile``/``fit``/``evaluate``/``predict`` (``nnlab.training``).

Three ways to make one, as in Keras:

- ``Sequential([...])``;
- ``Model(inputs=x_in, outputs=y)`` on symbolic tensors from ``Input`` (functional);
- subclass ``Model`` and define ``call(self, inputs, training=None)`` (or ``forward``).

Training mode follows Keras: a new layer or model is in inference mode
(``model.training`` is False), so a direct call ``model(x)`` equals ``predict(x)`` and
never updates a moving statistic; ``model(x, training=True)`` runs one call in training
mode; ``fit``/``train_on_batch`` switch to training mode for their steps and restore the
previous mode afterwards. ``model.train()`` is the PyTorch user's explicit opt-in: after
it, calls without ``training`` run in training mode (torch's rule) until ``model.eval()``.
An explicit ``training=`` argument always wins.
"""
from __future__ import annotations

import warnings
from typing import Any, List, Optional

import numpy as np

from ..layers.base.input_cast import cast_inputs, to_tensor
from ..layers.base.layer import Layer
from ..layers.base.symbolic import has_symbolic
from .functional_config import functional_from_config
from .keras2 import Keras2Methods
from .saving.json_config import to_json
from .saving.keras_archive import save_keras_archive
from .saving.keras_files import is_keras_file, load_keras_weights
from .saving.keras_h5 import is_legacy_h5, load_legacy_h5_weights
from .saving.keras_weights_file import is_keras_weights_name, save_keras_weights
from .saving.serialization import load_weights, save_model, save_weights
from .summary import summary_text
from .training_methods import TrainingMethods


def _warn_keras_suffix(path: Any, what: str) -> None:
    name = str(path).lower()
    if name.endswith((".h5", ".hdf5")) or (what != "save" and name.endswith(".keras")):
        warnings.warn(f"model.{what}({str(path)!r}): nnlab writes its own format (JSON config "
                      f"+ safetensors weights) under this name; Keras cannot read it, "
                      f"nnlab.load_model / load_weights can. Use the '.nnlab' suffix to say "
                      f"so.", UserWarning, stacklevel=3)


_FUNCTIONAL_SUBCLASSES: dict = {}
#: the functional model class, registered by :mod:`nnlab.models.functional` (which stands
#: on this file): ``Model(inputs=, outputs=)`` returns one
_FUNCTIONAL: List[type] = []


def register_functional_class(cls: type) -> None:
    """Called once by ``models/functional.py`` with its ``Functional`` class."""
    _FUNCTIONAL[:] = [cls]


def _functional_class() -> type:
    if not _FUNCTIONAL:
        raise RuntimeError("nnlab.models.functional is not imported (import nnlab first)")
    return _FUNCTIONAL[0]


def _functional_subclass(cls: type) -> type:
    """``cls`` with ``Functional`` mixed in (made once per class, not registered)."""
    if cls not in _FUNCTIONAL_SUBCLASSES:
        _FUNCTIONAL_SUBCLASSES[cls] = type(cls.__name__, (cls, _functional_class()),
                                           {"__module__": cls.__module__}, register=False)
    return _FUNCTIONAL_SUBCLASSES[cls]


class Model(TrainingMethods, Keras2Methods, Layer):
    """Base model. ``Model(inputs=, outputs=)`` returns a functional model."""

    def __new__(cls, *args: Any, **kwargs: Any):
        functional_args = "inputs" in kwargs or "outputs" in kwargs or len(args) >= 2
        if cls is Model and functional_args:
            return super().__new__(_functional_class())
        if functional_args and has_symbolic(args[:1], {k: v for k, v in kwargs.items()
                                                       if k == "inputs"}):
            # Keras' ``CustomModel(inputs, outputs)``: a functional model that keeps the
            # subclass's methods (e.g. an overridden train_step).
            if not issubclass(cls, _functional_class()):
                return super().__new__(_functional_subclass(cls))
        return super().__new__(cls)

    keeps_integer_inputs = True  # a model's own layers decide how to cast their inputs

    def __init__(self, *args: Any, **kwargs: Any):
        if ("inputs" in kwargs or "outputs" in kwargs or len(args) >= 2) and \
                not isinstance(self, _functional_class()):
            # Keras 3: a subclass that builds its graph in its own __init__ and calls
            # super().__init__(inputs=..., outputs=...) is a functional model too.
            self.__class__ = _functional_subclass(type(self))
            _functional_class().__init__(self, *args, **kwargs)
            return
        super().__init__(*args, **kwargs)
        self.compiled = None  # set by compile(): a nnlab.training.trainer.Trainer
        self.optimizer = None  # set by compile(): the optimizer spec (``apply(grads, vars)``)

    # ------------------------------------------------------------------ calling
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], (str, bytes)):
            cast_inputs(self, args[0])  # raises a TypeError naming the model
        if args and isinstance(args[0], (np.ndarray, list, tuple, dict)):
            args = (to_tensor(args[0]),) + args[1:]
        return super().__call__(*args, **kwargs)

    def call(self, inputs: Any, training: Optional[bool] = None) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__} is a subclassed Model without call(); define "
            f"call(self, inputs, training=None) or forward(self, x).")

    @classmethod
    def from_config(cls, config: Any, custom_objects: Any = None) -> "Model":
        """A subclass saved as ``CustomModel(inputs, outputs)`` comes back the same way."""
        functional = _functional_class()
        if not issubclass(cls, functional) and isinstance(config, dict) and \
                {"layers", "nodes", "inputs", "outputs"} <= set(config):
            graph = functional_from_config(config, custom_objects, functional)
            return cls(graph._input_struct, graph._output_struct, name=graph.name)
        return super().from_config(config)

    # ------------------------------------------------------------------ layers
    @property
    def layers(self) -> List[Layer]:
        """The model's direct layers, in order."""
        return [m for m in self.children() if isinstance(m, Layer)]

    def get_layer(self, name: Optional[str] = None, index: Optional[int] = None) -> Layer:
        """A layer by name or by index in ``layers``."""
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"get_layer: index {index} out of range for model "
                                 f"{self.name!r} with {len(layers)} layers")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No layer named {name!r} in model {self.name!r}. Layers: "
                         f"{', '.join(layer.name for layer in layers)}")

    def reset_states(self) -> None:
        """Reset the state of every stateful layer (e.g. ``LSTM(stateful=True)``)."""
        for module in self.modules():
            if module is not self and hasattr(module, "reset_states"):
                module.reset_states()

    # ----------------------------------------------------------------- summary
    def summary(self, line_length: Optional[int] = None, print_fn=None) -> None:
        """Print the Keras table: Layer (type) | Output Shape | Param # [| Connected to]."""
        (print_fn or print)(summary_text(self, line_length))

    # ------------------------------------------------------------ persistence
    def save(self, path: str) -> None:
        """Write architecture (JSON) and weights (safetensors) to one file, atomically.

        A ``.keras`` path gets a Keras 3 archive (zip: ``config.json``, ``metadata.json``,
        ``model.weights.h5``) that ``keras.saving.load_model`` and ``nnlab.load_model``
        read; a model with a layer Keras has not is refused by that layer's name, before
        anything is written (save it as ``.nnlab``). Any other name gets nnlab's own format
        (read back by ``nnlab.load_model``); ``.h5`` warns that Keras cannot read it."""
        if str(path).lower().endswith(".keras"):
            save_keras_archive(self, path)
            return
        _warn_keras_suffix(path, "save")
        save_model(self, path)

    def save_weights(self, path: str) -> None:
        """Write the weights: a ``.weights.h5`` path gets Keras 3's weights file (Keras'
        ``load_weights`` reads it into the Keras twin; a layer without a Keras layout is
        refused by name first); any other name nnlab's safetensors (other Keras suffixes
        warn as in :meth:`save`)."""
        if is_keras_weights_name(path):
            save_keras_weights(self, path)
            return
        _warn_keras_suffix(path, "save_weights")
        save_weights(self, path)

    def load_weights(self, path: str) -> None:
        """Load weights saved by ``save_weights``/``save``; refuses another architecture.

        A file written by Keras 3 (``.weights.h5``, or a ``.keras`` archive) is read with
        h5py into this model, which must be the same architecture (its nnlab twin); so is a
        Keras 2 ``.h5`` weight file (Keras' published ImageNet weights), by layer position."""
        if is_legacy_h5(path):
            load_legacy_h5_weights(self, path)
            return
        if is_keras_file(path):
            load_keras_weights(self, path)
            return
        load_weights(self, path)

    def to_json(self, **kwargs: Any) -> str:
        """The architecture as a JSON string (Keras' ``to_json``); see ``model_from_json``."""
        return to_json(self, **kwargs)
