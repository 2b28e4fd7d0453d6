"""Count-based metrics: Precision and Recall (Keras': each element thresholded),
MulticlassPrecision/MulticlassRecall and F1Score (argmax labels, per class or averaged)
and ConfusionMatrix (label counts kept on the device)."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .metric import METRICS, Metric, _acc_dtype, _detach, _labels, _weights


class _LabelCounts(Metric):
    """Keeps per-class true-positive / false-positive / false-negative counts.

    Binary mode (``y_pred`` 1-D or width 1): ``pred = y_pred > threshold``, one class.
    Multi-class mode (``y_pred (batch, C)``): ``pred = argmax``, counts per class; labels
    outside [0, C) are counted on-device and reported by ``result()``.
    """

    def __init__(self, threshold: float = 0.5, average: str | None = "macro",
                 class_id: int | None = None, name: str | None = None,
                 thresholds: float | None = None):
        if thresholds is not None:  # Keras spelling (a single value is supported)
            threshold = float(thresholds)
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"{type(self).__name__}: threshold must be in [0, 1], got {threshold}")
        if average not in ("macro", "micro", "weighted", None):
            raise ValueError(f"{type(self).__name__}: average must be 'macro', 'micro', "
                             f"'weighted' or None, got {average!r}")
        self.threshold, self.average, self.class_id = threshold, average, class_id
        super().__init__(name)

    def reset_state(self) -> None:
        self._counts: torch.Tensor | None = None  # (3, C): tp, fp, fn
        self._bad: torch.Tensor | None = None  # (2,): number of bad labels, an example

    def _guard(self, labels: torch.Tensor, c: int):
        valid = (labels >= 0) & (labels < c)
        if not labels.numel():
            return labels, valid
        n_bad = (~valid).sum()
        example = labels.gather(0, (~valid).to(torch.uint8).argmax().reshape(1))[0]
        self._bad[1] = torch.where(n_bad > 0, example.to(self._bad.dtype), self._bad[1])
        self._bad[0] += n_bad
        return labels.clamp(0, c - 1), valid

    def _check(self, c: int) -> None:
        n_bad, example = self._bad.tolist()
        if n_bad:
            raise ValueError(f"{self.name}: {int(n_bad)} labels were outside [0, {c}) for "
                             f"{c} classes, e.g. {example:g}.")

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = _detach(y_true, y_pred)
        binary = y_pred.ndim == 1 or y_pred.shape[-1] == 1
        c = 1 if binary else y_pred.shape[-1]
        if self._counts is None:
            dt = _acc_dtype(y_pred.device)
            self._counts = torch.zeros(3, c, dtype=dt, device=y_pred.device)
            self._bad = torch.zeros(2, dtype=dt, device=y_pred.device)
        elif self._counts.shape[1] != c:
            raise ValueError(f"{self.name}: y_pred has {c} classes but earlier batches had "
                             f"{self._counts.shape[1]}; call reset_state() between tasks.")
        if binary:
            pred = y_pred.reshape(-1) > self.threshold
            true = y_true.reshape(-1) > 0.5
            w = _weights(sample_weight, pred.to(self._counts.dtype))
            self._counts[:, 0] += torch.stack([(w * (pred & true)).sum(),
                                               (w * (pred & ~true)).sum(),
                                               (w * (~pred & true)).sum()])
            return
        true, valid = self._guard(_labels(y_true, c).reshape(-1), c)
        pred = y_pred.argmax(-1).reshape(-1)
        w = _weights(sample_weight, pred.to(self._counts.dtype)) * valid
        hit = (pred == true).to(w.dtype)
        self._counts[0].index_add_(0, true, w * hit)
        self._counts[1].index_add_(0, pred, w * (1 - hit))
        self._counts[2].index_add_(0, true, w * (1 - hit))

    def _per_class(self, tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def result(self) -> float | np.ndarray:
        if self._counts is None:
            return 0.0
        c = self._counts.shape[1]
        if c > 1:
            self._check(c)
        tp, fp, fn = self._counts.cpu().numpy()
        if self.class_id is not None:
            tp, fp, fn = tp[[self.class_id]], fp[[self.class_id]], fn[[self.class_id]]
        elif self.average == "micro":
            tp, fp, fn = tp.sum(keepdims=True), fp.sum(keepdims=True), fn.sum(keepdims=True)
        values = self._per_class(tp, fp, fn)
        if c == 1 or self.class_id is not None or self.average == "micro":
            return float(values[0])
        if self.average is None:
            return values
        seen = (tp + fp + fn) > 0  # like sklearn: classes absent from y_true and y_pred skip
        if self.average == "weighted":
            support = tp + fn
            return float((values * support).sum() / support.sum()) if support.sum() else 0.0
        return float(values[seen].mean()) if seen.any() else 0.0

    def get_config(self) -> dict:
        return {"name": self.name, "threshold": self.threshold, "average": self.average,
                "class_id": self.class_id}


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.zeros_like(num, dtype=float), where=den > 0)


class MulticlassPrecision(_LabelCounts):
    """``precision = TP / (TP + FP)`` of argmax labels: binary for one output column,
    else per class (``average=None``) or averaged (``"macro"`` default, ``"micro"``,
    ``"weighted"``), as sklearn's ``precision_score``. Keras' ``Precision`` is elementwise."""

    def _per_class(self, tp, fp, fn):
        return _ratio(tp, tp + fp)


class MulticlassRecall(_LabelCounts):
    """``recall = TP / (TP + FN)`` of argmax labels, per class or averaged (see
    :class:`MulticlassPrecision`)."""

    def _per_class(self, tp, fp, fn):
        return _ratio(tp, tp + fn)


class _ElementCounts(Metric):
    """Keras' Precision/Recall counts: every element of ``y_pred`` (any shape, e.g.
    ``(batch, classes)`` probabilities) is a prediction ``y_pred > threshold`` against
    ``y_true != 0``; TP/FP/FN are summed over all elements (one column with
    ``class_id``; with ``top_k`` only each row's k highest scores may be positive).
    Integer labels ``(batch,)`` for ``(batch, C)`` scores are one-hot encoded first."""

    def __init__(self, thresholds: float | None = None, top_k: int | None = None,
                 class_id: int | None = None, name: str | None = None, dtype: Any = None,
                 threshold: float | None = None):
        value = thresholds if thresholds is not None else threshold
        if isinstance(value, (list, tuple)):
            raise ValueError(f"{type(self).__name__}: one threshold is supported, got "
                             f"thresholds={value!r}")
        if value is None:
            value = 0.5 if top_k is None else -float("inf")
        elif not 0.0 <= value <= 1.0:
            raise ValueError(f"{type(self).__name__}: threshold must be in [0, 1], got {value}")
        if top_k is not None and (not isinstance(top_k, int) or top_k < 1):
            raise ValueError(f"{type(self).__name__}: top_k must be an int >= 1, got {top_k!r}")
        self.threshold, self.top_k, self.class_id = float(value), top_k, class_id
        super().__init__(name)

    def reset_state(self) -> None:
        self._counts: torch.Tensor | None = None  # tp, fp, fn

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = _detach(y_true, y_pred)
        if y_true.shape != y_pred.shape:
            if y_pred.ndim >= 2 and y_pred.shape[-1] > 1 and \
                    y_true.numel() * y_pred.shape[-1] == y_pred.numel():
                index = y_true.long().reshape(tuple(y_pred.shape[:-1]) + (1,))
                y_true = torch.zeros_like(y_pred).scatter_(-1, index, 1.0)
            elif y_true.numel() == y_pred.numel():
                y_true = y_true.reshape(y_pred.shape)
            else:
                raise ValueError(f"{self.name}: y_true of shape {tuple(y_true.shape)} does "
                                 f"not match y_pred of shape {tuple(y_pred.shape)}")
        if self.top_k is not None:
            k = min(self.top_k, y_pred.shape[-1])
            kth = y_pred.topk(k, dim=-1).values[..., -1:]
            y_pred = torch.where(y_pred >= kth, y_pred, torch.full_like(y_pred, -float("inf")))
        if self.class_id is not None:
            y_true, y_pred = y_true[..., self.class_id], y_pred[..., self.class_id]
        pred, true = y_pred > self.threshold, y_true != 0
        w = _weights(sample_weight, pred.to(_acc_dtype(pred.device)))
        counts = torch.stack([(w * (pred & true)).sum(), (w * (pred & ~true)).sum(),
                              (w * (~pred & true)).sum()])
        self._counts = counts if self._counts is None else self._counts + counts

    def get_config(self) -> dict:
        return {"name": self.name, "thresholds": self.threshold, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_ElementCounts):
    """Keras' ``Precision``: ``TP / (TP + FP)`` over thresholded elements (see
    :class:`_ElementCounts`); macro-averaged argmax precision is MulticlassPrecision."""

    def result(self) -> float:
        if self._counts is None:
            return 0.0
        tp, fp, _ = self._counts.tolist()
        return tp / (tp + fp) if tp + fp else 0.0


class Recall(_ElementCounts):
    """Keras' ``Recall``: ``TP / (TP + FN)`` over thresholded elements; macro-averaged
    argmax recall is MulticlassRecall."""

    def result(self) -> float:
        if self._counts is None:
            return 0.0
        tp, _, fn = self._counts.tolist()
        return tp / (tp + fn) if tp + fn else 0.0


class F1Score(_LabelCounts):
    """``F1 = 2 TP / (2 TP + FP + FN)`` (harmonic mean of precision and recall).

    Binary for one output column; otherwise per class and ``average="macro"`` (mean over
    classes that occur, as sklearn), ``"micro"``, ``"weighted"`` (by support) or None.
    """

    def _per_class(self, tp, fp, fn):
        return _ratio(2 * tp, 2 * tp + fp + fn)


class ConfusionMatrix(_LabelCounts):
    """Confusion matrix ``(num_classes, num_classes)`` indexed ``[true, pred]`` (int numpy).

    ``y_pred`` may be scores ``(batch, C)`` (argmax is taken), integer labels ``(batch,)``,
    or binary probabilities when ``num_classes == 2`` (thresholded at ``threshold``).
    ``num_classes`` defaults to ``y_pred.shape[-1]`` at the first update.
    """

    def __init__(self, num_classes: int | None = None, threshold: float = 0.5,
                 name: str = "confusion_matrix"):
        if num_classes is not None and num_classes < 2:
            raise ValueError(f"ConfusionMatrix: num_classes must be >= 2, got {num_classes}")
        self.num_classes = num_classes
        super().__init__(threshold=threshold, name=name)

    def reset_state(self) -> None:
        self._matrix: torch.Tensor | None = None
        self._bad = None

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = _detach(y_true, y_pred)
        if y_pred.is_floating_point() and y_pred.ndim >= 2 and y_pred.shape[-1] > 1:
            c, pred = self.num_classes or y_pred.shape[-1], y_pred.argmax(-1)
        elif y_pred.is_floating_point():
            c, pred = self.num_classes or 2, (y_pred > self.threshold).long()
        else:
            if self.num_classes is None:
                raise ValueError("ConfusionMatrix: pass num_classes when y_pred holds labels.")
            c, pred = self.num_classes, y_pred.long()
        self.num_classes = c
        if self._matrix is None:
            self._matrix = torch.zeros(c * c, dtype=torch.float64, device=y_pred.device)
            self._bad = torch.zeros(2, dtype=torch.float64, device=y_pred.device)
        true, ok_t = self._guard(_labels(y_true, c).reshape(-1), c)
        pred, ok_p = self._guard(pred.reshape(-1), c)
        w = _weights(sample_weight, true.to(torch.float64)) * (ok_t & ok_p)
        self._matrix.index_add_(0, true * c + pred, w)

    def result(self) -> np.ndarray:
        if self._matrix is None:
            c = self.num_classes or 0
            return np.zeros((c, c), dtype=np.int64)
        self._check(self.num_classes)
        m = self._matrix.reshape(self.num_classes, self.num_classes).cpu().numpy()
        return np.rint(m).astype(np.int64) if np.all(m == np.rint(m)) else m

    def get_config(self) -> dict:
        return {"name": self.name, "num_classes": self.num_classes, "threshold": self.threshold}


for _names, _cls in [
    (("precision",), Precision), (("recall",), Recall), (("f1_score", "f1"), F1Score),
    (("multiclass_precision",), MulticlassPrecision), (("multiclass_recall",), MulticlassRecall),
    (("confusion_matrix",), ConfusionMatrix),
]:
    METRICS.add(*_names)(_cls)
