"""Keras 3's custom-step contract on torch: ``fit``/``evaluate``/``predict`` driving a
model's own ``train_step``/``test_step``/``predict_step``.

The trainer takes this path only when a model overrides one of ``train_step``,
``test_step``, ``compute_loss``, ``compute_metrics`` (``fit``/``evaluate``) or
``predict_step`` (``predict``); every other model keeps the fused fast path of
``trainer.py`` untouched. Here each batch is packed as Keras packs it (``x`` alone,
``(x, y)`` or ``(x, y, sample_weight)``), handed to the step, and the dict the step
returns becomes the batch logs; the last step's logs are the epoch's logs (the step's
metrics are running means, reset at every epoch start through ``model.metrics``).

:class:`ModelStep` is this path's step for the one epoch loop
(:mod:`nnlab.training.epoch_loop`), so callbacks and their order, history, the progress
bar, the NaN guard (on every log ending in ``loss``), ``validation_data`` /
``validation_split`` and ``checkpoint_dir`` resume are those of the fast path; the
checkpoint stores every optimizer the model holds as an attribute (``self.optimizer``,
``self.d_optimizer``, ``self.g_optimizer`` ...). Reference: keras-io, "Customizing what
happens in fit() with PyTorch".
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Dict, List, Tuple

import numpy as np
import torch

from .. import optimizers as optimizers_mod
from ..models.training_methods import TrainingMethods
from ..utils.packing import pack_x_y_sample_weight
from .epoch_loop import TrainStep
from .loss_tracker import StepLogs
from .structure import outputs, spread_targets

_TRAIN_HOOKS = ("train_step", "test_step", "compute_loss", "compute_metrics")


def overrides(model, names=_TRAIN_HOOKS) -> bool:
    """True when ``type(model)`` overrides one of ``names`` of Keras' default steps
    (:class:`nnlab.models.training_methods.TrainingMethods`)."""
    return any(getattr(type(model), n, None) is not getattr(TrainingMethods, n)
               for n in names)


def pythonify_logs(logs: Any, step: str) -> Dict[str, Any]:
    """Flatten nested dicts and turn scalar tensors into floats (one host sync)."""
    if not isinstance(logs, dict):
        raise TypeError(f"{step}() must return a dict of logs such as {{'loss': loss}}, got "
                        f"{type(logs).__name__}")
    out: Dict[str, Any] = {}
    for key, value in logs.items():
        if isinstance(value, dict):
            out.update(pythonify_logs(value, step))
        elif isinstance(value, torch.Tensor):
            out[key] = float(value) if value.numel() == 1 else value.detach().cpu().numpy()
        elif isinstance(value, (int, float, np.floating, np.integer)) or np.ndim(value) == 0:
            out[key] = float(value)
        else:
            out[key] = value
    return out


def model_optimizers(model) -> Dict[str, Any]:
    """Every optimizer held as an attribute of ``model`` (specs and torch optimizers),
    by attribute name; a torch optimizer already behind a spec is not listed twice."""
    found = {name: value for name, value in sorted(vars(model).items())
             if isinstance(value, (optimizers_mod.Optimizer, torch.optim.Optimizer))}
    behind = {id(v._torch) for v in found.values() if isinstance(v, optimizers_mod.Optimizer)}
    return {k: v for k, v in found.items() if id(v) not in behind}


class CustomStepMixin:
    """The trainer's half that serves ``model.train_step`` & co (see module docstring)."""

    # ------------------------------------------------ what the model's step calls
    def step_metrics(self) -> List[Any]:
        """``model.metrics``: the loss tracker (if a loss was compiled) and the compiled
        metrics, created once and kept (``fit`` resets them every epoch). The tracker
        exists when a loss was compiled or the model computes its own (an overridden
        ``compute_loss``, as keras-io's knowledge_distillation compiles no ``loss=``)."""
        if getattr(self, "_step_metrics", None) is None:
            from ..metrics import Mean
            tracked = any(loss is not None for loss in self.losses) or \
                overrides(self.model, ("compute_loss",))
            tracker = [Mean(name="loss")] if tracked else []
            self._step_metric_groups = self._new_metrics()
            self._step_metrics = tracker + [m for group in self._step_metric_groups
                                            for m in group]
        return self._step_metrics

    @property
    def loss_tracker(self):
        metrics = self.step_metrics()
        return metrics[0] if metrics and metrics[0].name == "loss" else None

    def compute_loss(self, y: Any, y_pred: Any, sample_weight: Any = None) -> torch.Tensor:
        """The compiled loss(es) plus the layers' weight penalties, as a scalar tensor."""
        self._regularized = any(getattr(m, "_regularized", None) for m in self.model.modules())
        if all(loss is None for loss in self.losses):
            if not self._regularized:
                raise ValueError("No loss to compute. Provide a `loss` argument in "
                                 "`compile()`, or compute the loss in your train_step.")
            return self.model.regularization_loss()
        return self._loss(y, y_pred, sample_weight, False)

    def compute_metrics(self, y: Any, y_pred: Any, sample_weight: Any = None) -> Dict[str, Any]:
        """Update the compiled metrics (not the loss tracker) and return all results."""
        self.step_metrics()
        preds, targets = outputs(y_pred), spread_targets(y, self.losses)
        with torch.no_grad():
            for i, group in enumerate(self._step_metric_groups):
                for metric in group[:len(group) if targets[i] is not None else 0]:
                    metric.update_state(targets[i], preds[i], sample_weight)
        return self.metrics_result()

    def metrics_result(self) -> Dict[str, Any]:
        """``{name: result}`` of every metric of ``model.metrics``."""
        out: Dict[str, Any] = {}
        for metric in self.model.metrics:
            value = metric.result()
            if isinstance(value, dict):
                out.update(value)
            else:
                out[metric.name] = value
        return out

    # ------------------------------------------------------------------ loops
    def _prepare_custom(self) -> None:
        """Build the compiled optimizer now if the weights exist, so learning-rate
        callbacks and resume see it; otherwise ``optimizer.apply`` builds it."""
        if self.spec is not None and any(p.requires_grad for p in self.model.parameters()):
            self._ensure_optimizer()

    def _train_on_batch_custom(self, data) -> Dict[str, Any]:
        """``train_on_batch`` of a model with its own ``train_step``: one step, its logs."""
        self._prepare_custom()
        was_training = self.model.training
        self.model.train()
        self.model.reset_metrics()
        try:
            return pythonify_logs(self.model.train_step(
                pack_x_y_sample_weight(data.x, data.y, data.sample_weight)), "train_step")
        finally:
            self.model.train(was_training)

    def _evaluate_custom(self, data, batch_size: int) -> Dict[str, Any]:
        """Run ``model.test_step`` over ``data`` (metrics reset first, no gradients)."""
        model = self.model
        was_training = model.training
        model.eval()
        model.reset_metrics()
        raw: Any = {}
        try:
            with torch.no_grad():
                for xb, yb, wb in data.batches(batch_size):
                    raw = model.test_step(pack_x_y_sample_weight(xb, yb, wb))
        finally:
            model.train(was_training)
        return pythonify_logs(raw, "test_step")

    def _predict_custom(self, data, batch_size: int) -> Any:
        """Concatenate ``model.predict_step`` over the batches of ``data``, as numpy."""
        model = self.model
        was_training = model.training
        model.eval()
        chunks: List[Any] = []
        try:
            with torch.no_grad():
                for xb, _, _ in data.batches(batch_size):
                    chunks.append(model.predict_step(pack_x_y_sample_weight(xb)))
        finally:
            model.train(was_training)
        if isinstance(chunks[0], dict):
            return {k: torch.cat([c[k] for c in chunks]).cpu().numpy() for k in chunks[0]}
        if isinstance(chunks[0], (list, tuple)):
            return [torch.cat(parts).cpu().numpy() for parts in zip(*chunks)]
        return torch.cat(chunks).cpu().numpy()


class ModelStep(TrainStep):
    """The model's own ``train_step`` as the epoch loop's step: each batch packed as
    Keras packs it, the step's logs kept (:class:`StepLogs`), ``model.metrics`` reset at
    every epoch start, validation through ``test_step``."""

    def __init__(self, trainer: Any):
        self.trainer = trainer
        self.model = trainer.model
        self._optimizers: List[Any] = []

    def train(self, x: Any, y: Any, sample_weight: Any, state: Any = None) -> Any:
        """One ``model.train_step`` on the packed batch; its (raw) logs."""
        return self.model.train_step(pack_x_y_sample_weight(x, y, sample_weight))

    def prepare(self, data: Any, val: Any) -> None:
        self.trainer._prepare_custom()
        found = model_optimizers(self.model)
        self._optimizers = [found[k] for k in sorted(found)]  # the checkpoint's order

    def new_epoch(self) -> Tuple[StepLogs, None]:
        self.model.reset_metrics()
        return StepLogs(), None

    def logs(self, tracker: StepLogs, state: Any) -> Dict[str, Any]:
        return pythonify_logs(tracker.last, "train_step")

    def evaluate(self, data: Any, batch_size: int) -> Dict[str, Any]:
        return self.trainer._evaluate_custom(data, batch_size)

    def optimizers(self) -> List[torch.optim.Optimizer]:
        built = [getattr(o, "_torch", o) for o in self._optimizers]
        return [o for o in built if o is not None]

    def checkpoint_view(self) -> SimpleNamespace:
        """Every optimizer the model holds (by attribute name) and the step count."""
        return SimpleNamespace(model=self.model, iterations=self.trainer.iterations,
                               optimizers=self._optimizers)

    def restored(self, view: SimpleNamespace) -> None:
        self.trainer.iterations = view.iterations

    def epoch_metrics(self, state: Any) -> List[Any]:
        return list(self.model.metrics)
