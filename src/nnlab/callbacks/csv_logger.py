"""``CSVLogger``: one CSV row per epoch with every logged quantity."""
from __future__ import annotations

import csv
import os
from typing import Any, List, Optional

import numpy as np

from .callback import Callback


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
