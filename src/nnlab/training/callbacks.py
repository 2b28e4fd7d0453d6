"""Callbacks: a closed, documented list of events the fit loop calls (Keras' API).

Events, in order: ``on_train_begin(logs)``, then per epoch ``on_epoch_begin(epoch,
logs)``, per batch ``on_train_batch_begin(batch, logs)`` / ``on_train_batch_end(batch,
logs)``, then ``on_epoch_end(epoch, logs)`` (``logs`` holds ``loss``, the metrics and
their ``val_`` versions), and ``on_train_end(logs)``. ``transform_train_batch(x, y)`` is
called on each training batch (after ``augment``, before the forward pass) and returns
the ``(x, y)`` to train on, e.g. adversarial examples (``nnlab.adversarial``). ``evaluate`` calls
``on_test_begin``/``on_test_end``. A callback sees the model as ``self.model`` and can
stop training with ``self.model.stop_training = True``.

Batch ``logs`` are computed (a host-device sync) only for callbacks that override a
batch event; the built-in ones do not, so they cost nothing per step.
"""
from __future__ import annotations

import copy
import csv
import logging
import math
import os
from typing import Any, Callable, Dict, Iterable, List, Optional

import numpy as np

__all__ = ["EVENTS", "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "LambdaCallback",
           "LearningRateScheduler", "ModelCheckpoint", "ReduceLROnPlateau", "TensorBoard",
           "TerminateOnNaN", "History"]

logger = logging.getLogger(__name__)

EVENTS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
          "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
          "transform_train_batch")


class Callback:
    """Base class: override any event in :data:`EVENTS`."""

    def __init__(self):
        self.model = None
        self.params: Dict[str, Any] = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: Dict[str, Any]) -> None:
        self.params = params

    def on_train_begin(self, logs=None): pass  # noqa: E704
    def on_train_end(self, logs=None): pass  # noqa: E704
    def on_epoch_begin(self, epoch, logs=None): pass  # noqa: E704
    def on_epoch_end(self, epoch, logs=None): pass  # noqa: E704
    def on_train_batch_begin(self, batch, logs=None): pass  # noqa: E704
    def on_train_batch_end(self, batch, logs=None): pass  # noqa: E704
    def on_test_begin(self, logs=None): pass  # noqa: E704
    def on_test_end(self, logs=None): pass  # noqa: E704

    def transform_train_batch(self, x, y):
        """Return the ``(x, y)`` batch to train on instead of ``(x, y)`` (default: as is)."""
        return x, y


def _overrides(cb: Callback, event: str) -> bool:
    if isinstance(cb, LambdaCallback):
        return event in cb._handled
    return getattr(type(cb), event) is not getattr(Callback, event)


class CallbackList:
    """Dispatches each event only to the callbacks that override it."""

    def __init__(self, callbacks: Iterable[Callback], model, params: Dict[str, Any]):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be nnlab.training.callbacks.Callback "
                                f"instances, got {type(cb).__name__}")
            cb.set_model(model)
            cb.set_params(params)
        self._by_event = {e: [cb for cb in self.callbacks if _overrides(cb, e)] for e in EVENTS}

    def wants(self, event: str) -> bool:
        return bool(self._by_event[event])

    def call(self, event: str, *args: Any) -> None:
        for cb in self._by_event[event]:
            getattr(cb, event)(*args)

    def transform_train_batch(self, x: Any, y: Any):
        for cb in self._by_event["transform_train_batch"]:
            x, y = cb.transform_train_batch(x, y)
        return x, y


class LambdaCallback(Callback):
    """Callback from plain functions: ``LambdaCallback(on_epoch_end=lambda e, logs: ...)``."""

    def __init__(self, **handlers: Callable):
        super().__init__()
        unknown = set(handlers) - set(EVENTS)
        if unknown:
            raise ValueError(f"LambdaCallback: unknown events {sorted(unknown)}; known: {EVENTS}")
        for event, fn in handlers.items():
            setattr(self, event, fn)
        self._handled = set(handlers)


def _monitor_mode(monitor: str, mode: str) -> str:
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    return "max" if any(k in monitor for k in ("acc", "auc", "precision", "recall", "f1")) \
        else "min"


class _Monitor(Callback):
    def __init__(self, monitor: str, mode: str, min_delta: float):
        super().__init__()
        self.monitor = monitor
        self.mode = _monitor_mode(monitor, mode)
        self.min_delta = abs(min_delta)
        self.best = math.inf if self.mode == "min" else -math.inf

    def _value(self, logs) -> Optional[float]:
        value = (logs or {}).get(self.monitor)
        if value is None:
            logger.warning("%s: metric %r is not in the logs (have: %s)", type(self).__name__,
                           self.monitor, ", ".join(sorted(logs or {})))
        return value

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta


class EarlyStopping(_Monitor):
    """Stop when ``monitor`` has not improved for ``patience`` epochs.

    ``restore_best_weights=True`` puts back the weights of the best epoch at the end.
    ``verbose=1`` prints ``Epoch N: early stopping`` (and the restore) as Keras does;
    ``baseline``: the patience counter restarts only on epochs that also beat it.
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0):
        super().__init__(monitor, mode, min_delta)
        self.verbose, self.baseline = verbose, baseline
        self.patience = patience
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.wait = 0
        self.stopped_epoch = None
        self.best_weights = None
        self.best_epoch = None

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        value = self._value(logs)
        if value is None or epoch < self.start_from_epoch:
            return
        if self._improved(value):
            self.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_weights = copy.deepcopy(self.model.state_dict())
            if self.baseline is None or self._beats(value, self.baseline):
                self.wait = 0
                return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def _beats(self, value: float, reference: float) -> bool:
        return value < reference - self.min_delta if self.mode == "min" else \
            value > reference + self.min_delta

    def on_train_end(self, logs=None):
        if self.stopped_epoch is not None and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping", flush=True)
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.", flush=True)
            self.model.load_state_dict(self.best_weights)

    def get_state(self) -> Dict[str, Any]:
        """What a resumed fit needs (stored in ``checkpoint_dir``'s checkpoint)."""
        return {"best": self.best, "wait": self.wait, "best_epoch": self.best_epoch,
                "stopped_epoch": self.stopped_epoch,
                "best_weights": None if self.best_weights is None else dict(self.best_weights)}

    def set_state(self, state: Dict[str, Any]) -> None:
        self.best, self.wait = state["best"], state["wait"]
        self.best_epoch, self.stopped_epoch = state["best_epoch"], state["stopped_epoch"]
        self.best_weights = state["best_weights"]


class ModelCheckpoint(_Monitor):
    """Save the model (or only its weights) after epochs, atomically.

    ``filepath`` may hold ``{epoch}`` and log keys, e.g.
    ``"ckpt-{epoch:02d}-{val_loss:.3f}.nnlab"``.
    ``save_best_only=True`` writes only when ``monitor`` improves.
    """

    def __init__(self, filepath: str, monitor: str = "val_loss", save_best_only: bool = False,
                 save_weights_only: bool = False, mode: str = "auto"):
        super().__init__(monitor, mode, 0.0)
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.save_best_only:
            value = self._value(logs)
            if value is None or not self._improved(value):
                return
            self.best = value
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)

    def get_state(self) -> Dict[str, Any]:
        return {"best": self.best}

    def set_state(self, state: Dict[str, Any]) -> None:
        self.best = state["best"]


class LearningRateScheduler(Callback):
    """Set the learning rate at each epoch start: ``schedule(epoch) -> lr`` or
    ``schedule(epoch, lr) -> lr`` (Keras' two forms)."""

    def __init__(self, schedule: Callable, verbose: int = 0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.compiled.optimizer
        current = optimizer.param_groups[0]["lr"]
        try:
            lr = self.schedule(epoch, current)
        except TypeError:
            lr = self.schedule(epoch)
        lr = float(lr)
        if not math.isfinite(lr) or lr < 0:
            raise ValueError(f"LearningRateScheduler: schedule returned lr={lr} at epoch {epoch}")
        self.model.compiled.set_learning_rate(lr)
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = self.model.compiled.optimizer.param_groups[0]["lr"]


class ReduceLROnPlateau(_Monitor):
    """Multiply the learning rate by ``factor`` when ``monitor`` stalls for ``patience``
    epochs (never below ``min_lr``; then wait ``cooldown`` epochs)."""

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0,
                 min_lr: float = 0.0, verbose: int = 0):
        if not 0 < factor < 1:
            raise ValueError(f"ReduceLROnPlateau: factor must be in (0, 1), got {factor}")
        super().__init__(monitor, mode, min_delta)
        self.factor, self.patience, self.cooldown, self.min_lr = factor, patience, cooldown, min_lr
        self.verbose = verbose
        self.wait = 0
        self.cooldown_left = 0

    def on_epoch_end(self, epoch, logs=None):
        if isinstance(logs, dict):  # Keras 3 logs the current rate (history["learning_rate"])
            logs["learning_rate"] = float(self.model.compiled.optimizer.param_groups[0]["lr"])
        value = self._value(logs)
        if value is None:
            return
        if self.cooldown_left > 0:
            self.cooldown_left -= 1
            self.wait = 0
        if self._improved(value):
            self.best, self.wait = value, 0
            return
        if self.cooldown_left > 0:
            return
        self.wait += 1
        if self.wait >= self.patience:
            optimizer = self.model.compiled.optimizer
            for group in optimizer.param_groups:
                group["lr"] = max(group["lr"] * self.factor, self.min_lr)
            if self.verbose:
                print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                      f"{optimizer.param_groups[0]['lr']:.3g}.")
            self.cooldown_left, self.wait = self.cooldown, 0

    def get_state(self) -> Dict[str, Any]:
        return {"best": self.best, "wait": self.wait, "cooldown_left": self.cooldown_left}

    def set_state(self, state: Dict[str, Any]) -> None:
        self.best, self.wait = state["best"], state["wait"]
        self.cooldown_left = state["cooldown_left"]


class CSVLogger(Callback):
    """Append one row per epoch (epoch, then every log key) to ``filename``."""

    def __init__(self, filename: str, separator: str = ",", append: bool = False):
        super().__init__()
        self.filename, self.separator, self.append = os.fspath(filename), separator, append
        self.keys: Optional[List[str]] = None

    def on_train_begin(self, logs=None):
        if not self.append and os.path.exists(self.filename):
            os.remove(self.filename)
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        new_file = not os.path.exists(self.filename) or os.path.getsize(self.filename) == 0
        if self.keys is None:
            self.keys = sorted(logs)
        with open(self.filename, "a", newline="") as f:
            writer = csv.writer(f, delimiter=self.separator)
            if new_file:
                writer.writerow(["epoch"] + self.keys)
            writer.writerow([epoch] + [_plain(logs.get(k, "")) for k in self.keys])


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


class TerminateOnNaN(Callback):
    """Stop training when the loss becomes NaN or inf, and put back the last finite weights.

    On by default (``fit(terminate_on_nan=True)``); passing ``TerminateOnNaN()`` in
    ``callbacks`` turns it on whatever that flag says. The fit loop keeps every step's
    loss on the device; when the progress display refreshes (at most every 0.2 s) the
    trainer calls :meth:`check`, which reads them. If all are finite it copies the
    weights (and buffers) aside -- skipped while the previous copy is recent relative
    to its cost, so the copy stays under ~1% of the run time; if one is not, it stops
    training, restores that last copy (``restore_last_finite=True``) and warns with the
    exact epoch and step. Steps taken between the copy and the NaN are undone too.

    Attributes set after it fires: ``nan_epoch``, ``nan_step`` (1-based) and
    ``restored_from`` (``(epoch, step)`` of the restored copy, ``None`` if nothing was
    restored).
    """

    #: a weight copy is taken at most once per ``_COST_FACTOR`` times its duration
    _COST_FACTOR = 100.0

    def __init__(self, restore_last_finite: bool = True):
        super().__init__()
        self.restore_last_finite = restore_last_finite
        self._copy: Optional[List[Any]] = None
        self._copy_at: Optional[tuple] = None
        self._next_copy = 0.0
        self.nan_epoch = self.nan_step = self.restored_from = None

    def on_train_begin(self, logs=None):
        self.nan_epoch = self.nan_step = self.restored_from = None
        self._copy, self._copy_at, self._next_copy = None, None, 0.0
        self._snapshot((0, 0))

    def _snapshot(self, at: tuple) -> None:
        import time

        import torch
        if not self.restore_last_finite or self.model is None:
            return
        now = time.perf_counter()
        if now < self._next_copy:
            return
        values = list(self.model.state_dict().values())
        floats = [t.detach() for t in values if t.is_floating_point()]
        # one synchronising read for all tensors: the largest |value| of each (NaN stays NaN)
        if floats and not bool(torch.stack([torch.linalg.vector_norm(t, math.inf).float()
                                            for t in floats]).isfinite().all()):
            return
        if self._copy is None or len(self._copy) != len(values) or any(
                c.shape != v.shape for c, v in zip(self._copy, values)):
            self._copy = [v.detach().clone() for v in values]
        else:
            for c, v in zip(self._copy, values):
                c.copy_(v.detach())
        self._copy_at = at
        self._next_copy = now + self._COST_FACTOR * (time.perf_counter() - now)

    def check(self, tracker, epoch: int, step: int) -> bool:
        """Called by the fit loop with its loss tracker; True when training must stop."""
        bad = tracker.first_nonfinite()
        if bad is None:
            self._snapshot((epoch, step))
            return False
        import warnings
        self.model.stop_training = True
        if self.nan_epoch == epoch + 1:
            return True  # already reported (and restored) for this epoch
        self.nan_epoch, self.nan_step = epoch + 1, bad + 1
        restored = ""
        if self.restore_last_finite and self._copy is not None:
            with _no_grad():
                for c, v in zip(self._copy, self.model.state_dict().values()):
                    v.copy_(c)
            self.restored_from = self._copy_at
            e, s = self._copy_at
            restored = (" The weights were restored to the last finite ones, checked "
                        + ("before training" if (e, s) == (0, 0) else
                           f"at epoch {e + 1}, step {s}") + ".")
        warnings.warn(f"Loss became NaN or inf at epoch {epoch + 1}, step {bad + 1}: "
                      f"training stopped (TerminateOnNaN).{restored} Lower the learning "
                      f"rate, clip gradients (clipnorm=1.0) or check the data and the "
                      f"loss.", RuntimeWarning, stacklevel=4)
        return True


def _no_grad():
    import torch
    return torch.no_grad()


class TensorBoard(Callback):
    """Write epoch logs as TensorBoard scalars to ``log_dir`` (needs the ``tensorboard``
    package: ``pip install tensorboard``)."""

    def __init__(self, log_dir: str = "logs"):
        super().__init__()
        self.log_dir = log_dir
        self.writer = None

    def on_train_begin(self, logs=None):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as exc:
            raise ImportError("TensorBoard needs the tensorboard package: "
                              "pip install tensorboard") from exc
        self.writer = SummaryWriter(self.log_dir)

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            if isinstance(value, (int, float)):
                self.writer.add_scalar(key, value, epoch)

    def on_train_end(self, logs=None):
        if self.writer is not None:
            self.writer.close()


from .history import History  # noqa: E402  (History is a callback; Keras exports it here)
