"""Keras' ``TruePositives``, ``FalsePositives``, ``TrueNegatives``, ``FalseNegatives``:
weighted counts of thresholded predictions, over every element of ``y_pred``.

An element is predicted positive when ``y_pred > threshold`` and is positive when
``y_true != 0``; ``sample_weight`` weights each sample's elements. With several
``thresholds`` the result is one count per threshold (a numpy array), as in Keras.

Example:
    >>> m = TruePositives()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> m.result()
    2.0
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .metric import METRICS, Metric, _acc_dtype, _detach, _weights


class _OutcomeCount(Metric):
    """Counts one outcome (subclasses set ``_pred`` and ``_true``: which predicted and
    true values count)."""

    _pred: bool
    _true: bool

    def __init__(self, thresholds: Any = None, name: str | None = None, dtype: Any = None):
        values = [0.5] if thresholds is None else (
            list(thresholds) if isinstance(thresholds, (list, tuple)) else [thresholds])
        for value in values:
            if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise ValueError(f"{type(self).__name__}: thresholds must be in [0, 1], got "
                                 f"{thresholds!r}")
        self.thresholds = thresholds
        self._values = [float(v) for v in values]
        super().__init__(name)

    def reset_state(self) -> None:
        self._counts: torch.Tensor | None = None

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = _detach(y_true, y_pred)
        if y_true.shape != y_pred.shape:
            if y_true.numel() != y_pred.numel():
                raise ValueError(f"{self.name}: y_true of shape {tuple(y_true.shape)} does "
                                 f"not match y_pred of shape {tuple(y_pred.shape)}")
            y_true = y_true.reshape(y_pred.shape)
        true = (y_true != 0) == self._true
        w = _weights(sample_weight, y_pred.to(_acc_dtype(y_pred.device)))
        counts = torch.stack([(w * (((y_pred > t) == self._pred) & true)).sum()
                              for t in self._values])
        self._counts = counts if self._counts is None else self._counts + counts

    def result(self) -> float | np.ndarray:
        if self._counts is None:
            counts = np.zeros(len(self._values))
        else:
            counts = self._counts.cpu().numpy()
        return float(counts[0]) if not isinstance(self.thresholds, (list, tuple)) else counts

    def get_config(self) -> dict:
        return {"name": self.name, "thresholds": self.thresholds}


class TruePositives(_OutcomeCount):
    """Weighted count of positives predicted positive."""

    _pred, _true = True, True


class FalsePositives(_OutcomeCount):
    """Weighted count of negatives predicted positive."""

    _pred, _true = True, False


class TrueNegatives(_OutcomeCount):
    """Weighted count of negatives predicted negative."""

    _pred, _true = False, False


class FalseNegatives(_OutcomeCount):
    """Weighted count of positives predicted negative."""

    _pred, _true = False, True


for _name, _cls in [("true_positives", TruePositives), ("false_positives", FalsePositives),
                    ("true_negatives", TrueNegatives), ("false_negatives", FalseNegatives)]:
    METRICS.add(_name)(_cls)
