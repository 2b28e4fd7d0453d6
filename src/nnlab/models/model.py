"""``Model``: the base of Sequential and functional models, and of subclassed models.

A model is a :class:`~nnlab.models.layer.Layer` (so it nests inside other models) and a
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

import inspect
import warnings
from typing import Any, List, Optional

import numpy as np
import torch

from ..tree import first_leaf
from .keras2 import Keras2Methods
from .layer import Layer
from .symbolic import has_symbolic


def to_tensor(value: Any) -> Any:
    """numpy arrays (and nested lists/dicts of them) to torch tensors; float64 -> float32."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "USO":  # strings (TextVectorization, StringLookup) stay numpy
            return value
        t = torch.from_numpy(np.ascontiguousarray(value))
        return t.float() if t.dtype == torch.float64 else t
    if isinstance(value, (list, tuple)) and value and not isinstance(value[0], (int, float)):
        return type(value)(to_tensor(v) for v in value)
    if isinstance(value, dict):
        return {k: to_tensor(v) for k, v in value.items()}
    return value


def _warn_keras_suffix(path: Any, what: str) -> None:
    name = str(path).lower()
    if name.endswith((".keras", ".h5", ".hdf5")):
        warnings.warn(f"model.{what}({str(path)!r}): nnlab writes its own format (JSON config "
                      f"+ safetensors weights) under this name; Keras cannot read it, "
                      f"nnlab.load_model / load_weights can. Use the '.nnlab' suffix to say "
                      f"so.", UserWarning, stacklevel=3)


def _takes_training(fn) -> bool:
    params = inspect.signature(fn).parameters
    return "training" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


_FUNCTIONAL_SUBCLASSES: dict = {}


def _functional_subclass(cls: type) -> type:
    """``cls`` with ``Functional`` mixed in (made once per class, not registered)."""
    if cls not in _FUNCTIONAL_SUBCLASSES:
        from .functional import Functional
        from .layer import LAYER_CLASSES
        registered = LAYER_CLASSES.get(cls.__name__)
        _FUNCTIONAL_SUBCLASSES[cls] = type(cls.__name__, (cls, Functional),
                                           {"__module__": cls.__module__})
        LAYER_CLASSES[cls.__name__] = registered
    return _FUNCTIONAL_SUBCLASSES[cls]


class Model(Keras2Methods, Layer):
    """Base model. ``Model(inputs=, outputs=)`` returns a functional model."""

    def __new__(cls, *args: Any, **kwargs: Any):
        functional_args = "inputs" in kwargs or "outputs" in kwargs or len(args) >= 2
        if cls is Model and functional_args:
            from .functional import Functional
            return super().__new__(Functional)
        if functional_args and has_symbolic(args[:1], {k: v for k, v in kwargs.items()
                                                       if k == "inputs"}):
            # Keras' ``CustomModel(inputs, outputs)``: a functional model that keeps the
            # subclass's methods (e.g. an overridden train_step).
            from .functional import Functional
            if not issubclass(cls, Functional):
                return super().__new__(_functional_subclass(cls))
        return super().__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.compiled = None  # set by compile(): a nnlab.training.trainer.Trainer
        self.optimizer = None  # set by compile(): the optimizer spec (``apply(grads, vars)``)

    # ------------------------------------------------------------------ calling
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], (str, bytes)):
            from .input_cast import cast_inputs
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
        from .functional import Functional
        if not issubclass(cls, Functional) and isinstance(config, dict) and \
                {"layers", "nodes", "inputs", "outputs"} <= set(config):
            from .serialization import functional_from_config
            graph = functional_from_config(config, custom_objects)
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
        from .summary import summary_text
        (print_fn or print)(summary_text(self, line_length))

    # ------------------------------------------------------------ persistence
    def save(self, path: str) -> None:
        """Write architecture (JSON) and weights (safetensors) to one file, atomically.

        nnlab always writes its own format (read back by ``nnlab.load_model``); given a
        Keras suffix (``.keras``, ``.h5``) it still does, under that name, and warns that
        Keras cannot read the file (``.nnlab`` is the suffix that says what it is)."""
        from .serialization import save_model
        _warn_keras_suffix(path, "save")
        save_model(self, path)

    def save_weights(self, path: str) -> None:
        """Write the weights (safetensors); Keras suffixes warn as in :meth:`save`."""
        from .serialization import save_weights
        _warn_keras_suffix(path, "save_weights")
        save_weights(self, path)

    def load_weights(self, path: str) -> None:
        """Load weights saved by ``save_weights``/``save``; refuses another architecture.

        A file written by Keras 3 (``.weights.h5``, or a ``.keras`` archive) is read with
        h5py into this model, which must be the same architecture (its nnlab twin)."""
        from .keras_files import is_keras_file, load_keras_weights
        if is_keras_file(path):
            load_keras_weights(self, path)
            return
        from .serialization import load_weights
        load_weights(self, path)

    def to_json(self, **kwargs: Any) -> str:
        """The architecture as a JSON string (Keras' ``to_json``); see ``model_from_json``."""
        from .json_config import to_json
        return to_json(self, **kwargs)

    # ---------------------------------------------------------------- training
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Any = None,
                loss_weights: Any = None, precision: Optional[str] = None, jit: bool = False,
                **kwargs: Any) -> None:
        """Configure training (see :class:`nnlab.training.trainer.Trainer`)."""
        from ..training.trainer import Trainer
        self.compiled = Trainer(self, optimizer=optimizer, loss=loss, metrics=metrics,
                                loss_weights=loss_weights, precision=precision, jit=jit,
                                **kwargs)
        self.optimizer = self.compiled.spec

    def _trainer(self, method: str):
        if self.compiled is None:
            if method in ("predict",):
                from ..training.trainer import Trainer
                return Trainer(self, optimizer=None, loss=None)
            raise RuntimeError(f"Model {self.name!r} must be compiled before {method}(): call "
                               f"model.compile(optimizer, loss, metrics=[...]) first.")
        return self.compiled

    # ----------------------------------------- Keras 3's custom-step contract
    # Override train_step / test_step / predict_step (and compute_loss, metrics) as in
    # keras-io's "Customizing what happens in fit() with PyTorch"; fit, evaluate and
    # predict then drive them (nnlab.training.custom_step). The defaults below are
    # Keras' own steps; a model that overrides nothing trains on the fused fast path.
    def train_step(self, data: Any) -> dict:
        """One training step on ``data`` (``x``, ``(x, y)`` or ``(x, y, sample_weight)``):
        forward with ``training=True``, ``compute_loss``, ``backward``,
        ``self.optimizer.apply``; returns the metrics' running results as a dict."""
        from ..training.custom_step import unpack_x_y_sample_weight
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self._call_for_step(x, True)
        self.zero_grad()
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        tracker = self._step_trainer("train_step").loss_tracker
        if tracker is not None:
            tracker.update_state(loss, sample_weight=len(first_leaf(x)))
        weights = self.trainable_weights
        if weights:
            loss.backward()
            self.optimizer.apply([w.grad for w in weights], weights)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data: Any) -> dict:
        """One evaluation step: forward with ``training=False``, loss and metrics."""
        from ..training.custom_step import unpack_x_y_sample_weight
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self._call_for_step(x, False)
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        tracker = self._step_trainer("test_step").loss_tracker
        if tracker is not None:
            tracker.update_state(loss, sample_weight=len(first_leaf(x)))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data: Any) -> Any:
        """One prediction step: the outputs for the batch's ``x`` (``training=False``)."""
        from ..training.custom_step import unpack_x_y_sample_weight
        return self._call_for_step(unpack_x_y_sample_weight(data)[0], False)

    def compute_loss(self, x: Any = None, y: Any = None, y_pred: Any = None,
                     sample_weight: Any = None, training: bool = True) -> torch.Tensor:
        """The compiled loss of ``y``/``y_pred`` plus weight penalties (a scalar tensor).
        Raises ValueError when ``compile()`` was given no loss (and no layer has one)."""
        return self._step_trainer("compute_loss").compute_loss(y, y_pred, sample_weight)

    def compute_metrics(self, x: Any, y: Any, y_pred: Any, sample_weight: Any = None) -> dict:
        """Update the compiled metrics; return ``{name: result}`` for ``self.metrics``."""
        return self._step_trainer("compute_metrics").compute_metrics(y, y_pred, sample_weight)

    def get_metrics_result(self) -> dict:
        """``{name: result}`` of every metric in ``self.metrics``."""
        return self._step_trainer("get_metrics_result").metrics_result()

    @property
    def metrics(self) -> list:
        """The loss tracker (``Mean(name="loss")``) and the compiled metric objects;
        empty before ``compile``. Subclasses may override it to list their own trackers:
        ``fit`` resets these at every epoch start."""
        return [] if self.compiled is None else self.compiled.step_metrics()

    @property
    def metrics_names(self) -> List[str]:
        return [m.name for m in self.metrics]

    def reset_metrics(self) -> None:
        """``reset_state()`` of every metric in ``self.metrics``."""
        for metric in self.metrics:
            metric.reset_state()

    def _step_trainer(self, what: str):
        if self.compiled is None:
            raise RuntimeError(f"{what}() needs a compiled model: call model.compile(...) "
                               f"first (a custom train_step may compile without a loss).")
        return self.compiled

    def _call_for_step(self, x: Any, training: bool) -> Any:
        forward = type(self).forward
        if forward is Layer.forward or _takes_training(forward):
            return self(x, training=training)
        return self(x)

    def fit(self, x: Any = None, y: Any = None, **kwargs: Any):
        """Train (Keras' ``fit``); returns a History. See Trainer.fit for the arguments."""
        return self._trainer("fit").fit(x, y, **kwargs)

    def evaluate(self, x: Any = None, y: Any = None, **kwargs: Any):
        return self._trainer("evaluate").evaluate(x, y, **kwargs)

    def predict(self, x: Any, **kwargs: Any) -> Any:
        return self._trainer("predict").predict(x, **kwargs)

    def train_on_batch(self, x: Any, y: Any = None, **kwargs: Any):
        return self._trainer("train_on_batch").train_on_batch(x, y, **kwargs)

    def test_on_batch(self, x: Any, y: Any = None, **kwargs: Any):
        return self._trainer("test_on_batch").test_on_batch(x, y, **kwargs)

    def predict_on_batch(self, x: Any) -> Any:
        return self.predict(x, batch_size=None, verbose=0)
