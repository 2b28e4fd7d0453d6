"""``ModelCheckpoint``: save the model (or its weights) after epochs, atomically."""
from __future__ import annotations

import math
import os
from typing import Any, Dict

from .monitor import _Monitor


class ModelCheckpoint(_Monitor):
    """Save the model (or only its weights) after epochs, atomically.

    ``filepath`` may hold ``{epoch}`` and log keys, e.g.
    ``"ckpt-{epoch:02d}-{val_loss:.3f}.nnlab"``.
    ``save_best_only=True`` writes only when ``monitor`` improves (from
    ``initial_value_threshold`` if given). ``verbose=1`` prints Keras' line for each
    epoch as Keras 3.15 does ("Epoch 3: val_loss improved from 0.51234 to 0.49876, saving
    model to ...", then "Epoch 3: finished saving model to ...").
    Arguments in Keras 3's order; ``save_freq`` other than ``"epoch"`` is not supported.
    """

    def __init__(self, filepath: str, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False,
                 mode: str = "auto", save_freq: Any = "epoch",
                 initial_value_threshold: Any = None):
        super().__init__(monitor, mode, 0.0)
        if save_freq != "epoch":
            raise NotImplementedError(f"ModelCheckpoint: save_freq={save_freq!r} is not "
                                      f"supported; nnlab saves after epochs (save_freq="
                                      f"'epoch')")
        self.filepath = os.fspath(filepath)
        self.verbose = int(verbose)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        if initial_value_threshold is not None:
            self.best = float(initial_value_threshold)

    def _say(self, message: str) -> None:
        if self.verbose:
            print(f"\n{message}", flush=True)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            value = self._value(logs)
            if value is None:
                return
            best = "None" if math.isinf(self.best) else f"{self.best:.5f}"  # as Keras 3
            if not self._improved(value):
                self._say(f"Epoch {epoch + 1}: {self.monitor} did not improve from {best}")
                return
            self._say(f"Epoch {epoch + 1}: {self.monitor} improved from {best} to "
                      f"{value:.5f}, saving model to {path}")
            self.best = value
        else:
            self._say(f"Epoch {epoch + 1}: saving model to {path}")
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)
        self._say(f"Epoch {epoch + 1}: finished saving model to {path}")

    def get_state(self) -> Dict[str, Any]:
        return {"best": self.best}

    def set_state(self, state: Dict[str, Any]) -> None:
        self.best = state["best"]
