"""``ModelCheckpoint``: save the model (or its weights) after epochs, atomically."""
from __future__ import annotations

import os
from typing import Any, Dict

from .monitor import _Monitor


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
