"""``Model``: the base of Sequential and functional models, and of subclassed models.

A model is a :class:`~nnlab.models.layer.Layer` (so it nests inside other models) and a
plain ``torch.nn.Module`` (``model(x)``, ``model.parameters()``, ``state_dict()``...).
It adds the Keras model API: ``summary``, ``save``/``load_weights``, ``get_layer``
and the training methods ``compile``/``fit``/``evaluate``/``predict`` (``nnlab.training``).

Three ways to make one, as in Keras:

- ``Sequential([...])``;
- ``Model(inputs=x_in, outputs=y)`` on symbolic tensors from ``Input`` (functional);
- subclass ``Model`` and define ``call(self, inputs, training=None)`` (or ``forward``).

Like every ``torch.nn.Module`` a new model is in training mode; ``fit`` switches it
to training and ``evaluate``/``predict`` to inference (``model.eval()``), and an explicit
``model(x, training=False)`` runs dropout and batch norm in inference mode.
"""
from __future__ import annotations

from typing import Any, List, Optional

import numpy as np
import torch

from .layer import Layer


def to_tensor(value: Any) -> Any:
    """numpy arrays (and nested lists/dicts of them) to torch tensors; float64 -> float32."""
    if isinstance(value, np.ndarray):
        t = torch.from_numpy(np.ascontiguousarray(value))
        return t.float() if t.dtype == torch.float64 else t
    if isinstance(value, (list, tuple)) and value and not isinstance(value[0], (int, float)):
        return type(value)(to_tensor(v) for v in value)
    if isinstance(value, dict):
        return {k: to_tensor(v) for k, v in value.items()}
    return value


class Model(Layer):
    """Base model. ``Model(inputs=, outputs=)`` returns a functional model."""

    def __new__(cls, *args: Any, **kwargs: Any):
        if cls is Model and ("inputs" in kwargs or "outputs" in kwargs or len(args) >= 2):
            from .functional import Functional
            return super().__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.compiled = None  # set by compile(): a nnlab.training.trainer.Trainer

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
        """Write architecture (JSON) and weights (safetensors) to one file, atomically."""
        from .serialization import save_model
        save_model(self, path)

    def save_weights(self, path: str) -> None:
        from .serialization import save_weights
        save_weights(self, path)

    def load_weights(self, path: str) -> None:
        """Load weights saved by ``save_weights``/``save``; refuses another architecture."""
        from .serialization import load_weights
        load_weights(self, path)

    # ---------------------------------------------------------------- training
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Any = None,
                loss_weights: Any = None, precision: Optional[str] = None, jit: bool = False,
                **kwargs: Any) -> None:
        """Configure training (see :class:`nnlab.training.trainer.Trainer`)."""
        from ..training.trainer import Trainer
        self.compiled = Trainer(self, optimizer=optimizer, loss=loss, metrics=metrics,
                                loss_weights=loss_weights, precision=precision, jit=jit,
                                **kwargs)

    def _trainer(self, method: str):
        if self.compiled is None:
            if method in ("predict",):
                from ..training.trainer import Trainer
                return Trainer(self, optimizer=None, loss=None)
            raise RuntimeError(f"Model {self.name!r} must be compiled before {method}(): call "
                               f"model.compile(optimizer, loss, metrics=[...]) first.")
        return self.compiled

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
