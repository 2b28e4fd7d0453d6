"""The training half of the Keras model API, and the one door from models to training.

``compile``/``fit``/``evaluate``/``predict`` and the ``*_on_batch`` methods hand the work
to a trainer; the default ``train_step``/``test_step``/``predict_step``/``compute_loss``/
``compute_metrics`` are Keras 3's own steps (override them as in keras-io's
"Customizing what happens in fit() with PyTorch"). The trainer class lives in
:mod:`nnlab.training`, which stands on :mod:`nnlab.models`: it registers itself here with
:func:`register_trainer` when imported (``import nnlab`` does), so this file imports
nothing from training.

:class:`TrainingMethods` is also the base the trainer compares a model against to tell
whether it overrides a step (``nnlab.training.custom_step.overrides``).
"""
from __future__ import annotations

import inspect
from typing import Any, Callable, List, Optional

import torch

from ..layers.base.layer import Layer
from ..tree import first_leaf
from ..utils.packing import unpack_x_y_sample_weight

_TRAINER: List[Callable[..., Any]] = []


def register_trainer(factory: Callable[..., Any]) -> None:
    """Install the trainer class (``nnlab.training.trainer.Trainer``): called once by it."""
    _TRAINER[:] = [factory]


def _new_trainer(model, **kwargs: Any):
    if not _TRAINER:
        raise RuntimeError("nnlab.training is not imported: import nnlab (or "
                           "nnlab.training) before compiling a model.")
    return _TRAINER[0](model, **kwargs)


def _takes_training(fn) -> bool:
    params = inspect.signature(fn).parameters
    return "training" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


class TrainingMethods:
    """Mixed into :class:`nnlab.models.model.Model`: Keras' training API and default steps.

    ``self.compiled`` holds the trainer made by ``compile`` (None before);
    ``self.optimizer`` the optimizer spec (``apply(grads, vars)``)."""

    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Any = None,
                loss_weights: Any = None, precision: Optional[str] = None, jit: bool = False,
                **kwargs: Any) -> None:
        """Configure training (see :class:`nnlab.training.trainer.Trainer`)."""
        self.compiled = _new_trainer(self, optimizer=optimizer, loss=loss, metrics=metrics,
                                loss_weights=loss_weights, precision=precision, jit=jit,
                                **kwargs)
        self.optimizer = self.compiled.spec
        # What save() writes as the compile config (models/saving/compile_state.py); not
        # for a class with its own compile(), whose arguments load_model cannot replay.
        self._compile_args = None if type(self).compile is not TrainingMethods.compile else {
            "loss": loss, "metrics": metrics, "loss_weights": loss_weights,
            "precision": precision, "jit": jit, **kwargs}

    def _trainer(self, method: str):
        if self.compiled is None:
            if method == "predict":  # one inference-only trainer per model, not per call
                trainer = self.__dict__.get("_predict_only_trainer")
                if trainer is None or trainer.model is not self:  # (a copy.copy of a model)
                    trainer = _new_trainer(self, optimizer=None, loss=None)
                    object.__setattr__(self, "_predict_only_trainer", trainer)
                return trainer
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
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self._call_for_step(x, False)
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        tracker = self._step_trainer("test_step").loss_tracker
        if tracker is not None:
            tracker.update_state(loss, sample_weight=len(first_leaf(x)))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data: Any) -> Any:
        """One prediction step: the outputs for the batch's ``x`` (``training=False``)."""
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
