"""Keras 3's custom-step contract on torch: ``fit``/``evaluate``/``predict`` driving a
model's own ``train_step``/``test_step``/``predict_step``.

The trainer takes this path only when a model overrides one of ``train_step``,
``test_step``, ``compute_loss``, ``compute_metrics`` (``fit``/``evaluate``) or
``predict_step`` (``predict``); every other model keeps the fused fast path of
``trainer.py`` untouched. Here each batch is packed as Keras packs it (``x`` alone,
``(x, y)`` or ``(x, y, sample_weight)``), handed to the step, and the dict the step
returns becomes the batch logs; the last step's logs are the epoch's logs (the step's
metrics are running means, reset at every epoch start through ``model.metrics``).
Callbacks, history, the progress bar, ``validation_data``/``validation_split`` and
``checkpoint_dir`` resume behave as on the fast path; the checkpoint stores every
optimizer the model holds as an attribute (``self.optimizer``, ``self.d_optimizer``,
``self.g_optimizer`` ...). Reference: keras-io, "Customizing what happens in fit() with
PyTorch".
"""
from __future__ import annotations

import contextlib
import math
import time
import warnings
from types import SimpleNamespace
from typing import Any, Dict, List, Optional

import numpy as np
import torch

from ..tree import first_leaf
from . import optimizers as optimizers_mod
from .callbacks import CallbackList
from .checkpoint import CheckpointState
from .history import History
from .progress import Progress
from .run_fingerprint import fingerprint
from .structure import outputs

_TRAIN_HOOKS = ("train_step", "test_step", "compute_loss", "compute_metrics")


def overrides(model, names=_TRAIN_HOOKS) -> bool:
    """True when ``type(model)`` overrides one of ``names`` of ``nnlab.Model``."""
    from ..models.model import Model
    return any(getattr(type(model), n, None) is not getattr(Model, n) for n in names)


def pack_x_y_sample_weight(x: Any, y: Any = None, sample_weight: Any = None) -> Any:
    """Keras' packing of one batch: ``x`` (``(x,)`` if x is a tuple/list), ``(x, y)`` or
    ``(x, y, sample_weight)``."""
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    return (x, y) if sample_weight is None else (x, y, sample_weight)


def unpack_x_y_sample_weight(data: Any) -> tuple:
    """The inverse: ``(x, y, sample_weight)`` with ``None`` for what is missing."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) in (1, 2, 3):
        return tuple(data) + (None,) * (3 - len(data))
    raise ValueError(f"Data of a step is expected as (x,), (x, y) or (x, y, sample_weight); "
                     f"got a tuple of {len(data)} items")


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
        metrics, created once and kept (``fit`` resets them every epoch)."""
        if getattr(self, "_step_metrics", None) is None:
            from .metric_base import Mean
            tracker = [Mean(name="loss")] if any(loss is not None for loss in self.losses) \
                else []
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
        preds, targets = outputs(y_pred), outputs(y)
        with torch.no_grad():
            for i, group in enumerate(self._step_metric_groups):
                for metric in group:
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

    def _fit_custom(self, data, val, epochs: int, initial_epoch: int, batch_size: int,
                    validation_batch_size: Optional[int], shuffle: bool, augment: Any,
                    verbose: int, callbacks: Optional[list], checkpoint_dir: Optional[str],
                    terminate_on_nan: bool, checkpoint_mismatch: str = "error") -> History:
        model = self.model
        self._prepare_custom()
        history = History()
        steps = data.num_batches(batch_size)
        cbs = CallbackList([history] + list(callbacks or []), model,
                           {"epochs": epochs, "steps": steps, "verbose": verbose})
        optimizers = model_optimizers(model)
        ckpt = CheckpointState(checkpoint_dir, checkpoint_mismatch) if checkpoint_dir else None
        # the checkpoint's view of this run: every optimizer the model holds, by name order
        run_view = SimpleNamespace(model=model, iterations=self.iterations,
                                   optimizers=[optimizers[k] for k in sorted(optimizers)])
        with ckpt if ckpt is not None else contextlib.nullcontext():
            if ckpt is not None:
                built = [getattr(o, "_torch", o) for o in run_view.optimizers]
                run = fingerprint(model, [o for o in built if o is not None], data, batch_size)
                initial_epoch = max(initial_epoch, ckpt.restore(run_view, history, run, epochs))
                self.iterations = run_view.iterations
            return self._custom_epochs(data, val, epochs, initial_epoch, batch_size,
                                       validation_batch_size, shuffle, augment, verbose, cbs,
                                       ckpt, run_view, history, steps, terminate_on_nan)

    def _custom_epochs(self, data, val, epochs, initial_epoch, batch_size,
                       validation_batch_size, shuffle, augment, verbose, cbs, ckpt, run_view,
                       history, steps, terminate_on_nan) -> History:
        """The epoch loop of a custom-step fit (checkpoint folder locked by the caller)."""
        model = self.model
        model.stop_training = False
        progress = Progress(verbose, epochs, steps)
        batch_begin = cbs.wants("on_train_batch_begin")
        batch_end = cbs.wants("on_train_batch_end")
        transform = cbs.wants("transform_train_batch")
        was_training = model.training
        cbs.call("on_train_begin", {})
        if ckpt is not None:
            ckpt.restore_callbacks(cbs.callbacks)
        try:
            for epoch in range(initial_epoch, epochs):
                cbs.call("on_epoch_begin", epoch, {})
                model.train()
                model.reset_metrics()
                progress.epoch_begin(epoch)
                step, samples, raw = 0, 0, {}
                for step, (xb, yb, wb) in enumerate(data.batches(batch_size, shuffle), 1):
                    if augment is not None:
                        xb = augment(xb)
                    if transform:
                        xb, yb = cbs.transform_train_batch(xb, yb)
                    if batch_begin:
                        cbs.call("on_train_batch_begin", step - 1, {})
                    raw = model.train_step(pack_x_y_sample_weight(xb, yb, wb))
                    samples += len(first_leaf(xb))
                    now = time.perf_counter()
                    if batch_end:
                        cbs.call("on_train_batch_end", step - 1,
                                 pythonify_logs(raw, "train_step"))
                    if progress.due(now):
                        progress.update(step, samples,
                                        lambda: pythonify_logs(raw, "train_step"), now)
                    if model.stop_training:
                        break
                logs = pythonify_logs(raw, "train_step")
                if terminate_on_nan and _nonfinite_loss(logs, epoch):
                    model.stop_training = True
                    progress.epoch_end(epoch, step, samples, {})
                    break
                if val is not None:
                    val_logs = self._evaluate_custom(val, validation_batch_size or batch_size)
                    logs.update({f"val_{k}": v for k, v in val_logs.items()})
                progress.epoch_end(epoch, step, samples, logs)
                cbs.call("on_epoch_end", epoch, logs)
                if ckpt is not None:
                    run_view.iterations = self.iterations
                    ckpt.save(run_view, epoch, history, cbs.callbacks)
                if model.stop_training:
                    break
        finally:
            model.train(was_training)
        cbs.call("on_train_end", {})
        model.history = history
        return history

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


def _nonfinite_loss(logs: Dict[str, Any], epoch: int) -> bool:
    bad = [k for k, v in logs.items() if k.endswith("loss") and isinstance(v, float)
           and not math.isfinite(v)]
    if bad:
        warnings.warn(f"{bad[0]} became NaN or inf at epoch {epoch + 1}: training stopped "
                      f"(TerminateOnNaN).", RuntimeWarning, stacklevel=4)
    return bool(bad)
