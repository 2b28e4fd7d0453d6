"""``EarlyStopping``: stop training when a monitored quantity stops improving."""
from __future__ import annotations

import copy
import math
from typing import Any, Dict

from .monitor import _Monitor


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
