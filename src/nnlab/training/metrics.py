"""Streaming metrics, Keras' API: ``update_state(y_true, y_pred)``, ``result()``, ``reset_state()``.

Running sums live as torch tensors on the data's device; ``update_state`` never
calls ``.item()`` (no host-device sync per step). ``result()`` is the only place
that reads them back, as a python float or a numpy array.

Shapes: ``y_pred`` is ``(batch, C)`` class scores/probabilities or ``(batch,)`` /
``(batch, 1)`` binary probabilities; ``y_true`` is one-hot ``(batch, C)``, integer
labels ``(batch,)`` / ``(batch, 1)``, or 0/1 targets. ``sample_weight`` is ``(batch,)``.
Argmax-based metrics work on logits as well as probabilities.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from nnlab.registry import Registry

__all__ = [
    "AUC", "METRICS", "Accuracy", "AutoAccuracy", "BinaryAccuracy", "CategoricalAccuracy",
    "ConfusionMatrix", "F1Score", "Mean", "MeanAbsoluteError", "MeanMetricWrapper",
    "MeanSquaredError", "Metric", "Precision", "Recall", "SparseCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy", "TopKCategoricalAccuracy", "get",
]

METRICS = Registry("metric")


def _acc_dtype(device: torch.device) -> torch.dtype:
    return torch.float32 if device.type == "mps" else torch.float64


def _detach(y_true: Any, y_pred: Any):
    y_pred = torch.as_tensor(y_pred).detach()
    return torch.as_tensor(y_true, device=y_pred.device).detach(), y_pred


def _weights(sample_weight: Any, like: torch.Tensor) -> torch.Tensor:
    """Per-element weights broadcast to ``like`` (a per-sample tensor)."""
    if sample_weight is None:
        return torch.ones_like(like, dtype=_acc_dtype(like.device))
    w = torch.as_tensor(sample_weight, device=like.device, dtype=_acc_dtype(like.device))
    if w.ndim and w.ndim < like.ndim:
        w = w.reshape(w.shape + (1,) * (like.ndim - w.ndim))
    return w.expand_as(like)


def _labels(y_true: torch.Tensor, c: int) -> torch.Tensor:
    """Class indices from one-hot ``(batch, C)`` or integer ``(batch,)``/``(batch, 1)`` labels."""
    if y_true.ndim >= 2 and y_true.shape[-1] == c and c > 1:
        return y_true.argmax(-1)
    if y_true.ndim >= 2 and y_true.shape[-1] == 1:
        y_true = y_true.squeeze(-1)
    return y_true.long()


class Metric:
    """Base class: subclasses implement ``update_state``, ``result``, ``reset_state``."""

    def __init__(self, name: str | None = None):
        self.name = name or _snake(type(self).__name__)
        self.reset_state()

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        raise NotImplementedError

    def result(self) -> float | np.ndarray:
        raise NotImplementedError

    def reset_state(self) -> None:
        raise NotImplementedError

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None):
        """Update with one batch and return the running result (syncs)."""
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _snake(name: str) -> str:
    out = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
    return out.replace("a_u_c", "auc")


class Mean(Metric):
    """Running (weighted) mean of values: ``result = sum(w * v) / sum(w)``; used for the loss."""

    def reset_state(self) -> None:
        self._total: torch.Tensor | None = None
        self._count: torch.Tensor | None = None

    def update_state(self, values: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        v = torch.as_tensor(values).detach()
        if self._total is None:
            self._total = torch.zeros((), dtype=_acc_dtype(v.device), device=v.device)
            self._count = torch.zeros_like(self._total)
        v = v.to(self._total.device, self._total.dtype)
        w = _weights(sample_weight, v) if v.ndim else torch.as_tensor(
            1.0 if sample_weight is None else sample_weight, dtype=v.dtype, device=v.device)
        self._total += (v * w).sum()
        self._count += w.sum()

    def result(self) -> float:
        if self._total is None:
            return 0.0
        total, count = torch.stack([self._total, self._count]).tolist()
        return total / count if count else 0.0


class MeanMetricWrapper(Mean):
    """Mean over samples of ``fn(y_true, y_pred, **kwargs)`` (a per-sample tensor).

    A function returning a scalar (e.g. a loss) counts as that value for each sample.
    """

    def __init__(self, fn: Callable, name: str | None = None, **kwargs: Any):
        self.fn, self._kwargs = fn, kwargs
        super().__init__(name or getattr(fn, "__name__", type(fn).__name__))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = _detach(y_true, y_pred)
        with torch.no_grad():
            values = torch.as_tensor(self.fn(y_true, y_pred, **self._kwargs))
        if values.ndim == 0 and sample_weight is None and y_pred.ndim:
            sample_weight = float(y_pred.shape[0])
        super().update_state(values, sample_weight)

    def get_config(self) -> dict:
        return {**super().get_config(), **self._kwargs}


# --------------------------------------------------- per-sample functions
def accuracy(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Exact match (Keras ``Accuracy``): ``y_true == y_pred`` elementwise, as float."""
    return (y_true.reshape(y_pred.shape) == y_pred).to(torch.float32)


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> torch.Tensor:
    """``mean((y_pred > threshold) == y_true)`` over the last axis; shapes ``(batch, ...)``."""
    hit = ((y_pred > threshold) == (y_true.reshape(y_pred.shape) > 0.5)).to(torch.float32)
    return hit.mean(-1) if hit.ndim >= 2 else hit


def categorical_accuracy(y_true: Any, y_pred: Any) -> torch.Tensor:
    """``argmax(y_true) == argmax(y_pred)``; one-hot ``y_true (batch, C)``."""
    if y_true.shape != y_pred.shape:
        raise ValueError(f"categorical_accuracy: one-hot y_true must have shape "
                         f"{tuple(y_pred.shape)}, got {tuple(y_true.shape)}; for integer "
                         f"labels use sparse_categorical_accuracy.")
    return (y_true.argmax(-1) == y_pred.argmax(-1)).to(torch.float32)


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> torch.Tensor:
    """``y_true == argmax(y_pred)``; integer ``y_true (batch,)`` or ``(batch, 1)``."""
    labels = _labels(y_true, y_pred.shape[-1]).reshape(y_pred.shape[:-1])
    return (labels == y_pred.argmax(-1)).to(torch.float32)


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> torch.Tensor:
    """1 if the integer label is among the ``k`` highest scores of ``y_pred (batch, C)``."""
    top = y_pred.topk(min(k, y_pred.shape[-1]), dim=-1).indices
    labels = _labels(y_true, y_pred.shape[-1]).reshape(y_pred.shape[:-1] + (1,))
    return (top == labels).any(-1).to(torch.float32)


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> torch.Tensor:
    """1 if ``argmax(y_true)`` is among the ``k`` highest scores; one-hot ``y_true``."""
    return sparse_top_k_categorical_accuracy(y_true.argmax(-1), y_pred, k)


def _squared_error(y_true: Any, y_pred: Any) -> torch.Tensor:
    e = (y_true.reshape(y_pred.shape).to(y_pred.dtype) - y_pred) ** 2
    return e.flatten(1).mean(1) if e.ndim >= 2 else e


def _absolute_error(y_true: Any, y_pred: Any) -> torch.Tensor:
    e = (y_true.reshape(y_pred.shape).to(y_pred.dtype) - y_pred).abs()
    return e.flatten(1).mean(1) if e.ndim >= 2 else e


def _wrapper(cls_name: str, fn: Callable, default: str, **defaults: Any) -> type:
    """A Keras-named MeanMetricWrapper class ``cls_name(**defaults, name=default)``."""

    def __init__(self, *args: Any, name: str = default, **kwargs: Any) -> None:
        params = {**defaults, **dict(zip(defaults, args)), **kwargs}
        if set(params) - set(defaults):
            unknown = sorted(set(params) - set(defaults))
            raise TypeError(f"{cls_name}: unexpected arguments {unknown}")
        if "k" in params and params["k"] < 1:
            raise ValueError(f"{cls_name}: k must be >= 1, got {params['k']}")
        MeanMetricWrapper.__init__(self, fn, name, **params)

    doc = f"``{cls_name}``: running mean of :func:`{fn.__name__}`.\n\n{fn.__doc__}"
    return type(cls_name, (MeanMetricWrapper,),
                {"__init__": __init__, "__doc__": doc, "__module__": __name__})


Accuracy = _wrapper("Accuracy", accuracy, "accuracy")
BinaryAccuracy = _wrapper("BinaryAccuracy", binary_accuracy, "binary_accuracy", threshold=0.5)
CategoricalAccuracy = _wrapper("CategoricalAccuracy", categorical_accuracy,
                               "categorical_accuracy")
SparseCategoricalAccuracy = _wrapper("SparseCategoricalAccuracy", sparse_categorical_accuracy,
                                     "sparse_categorical_accuracy")
TopKCategoricalAccuracy = _wrapper("TopKCategoricalAccuracy", top_k_categorical_accuracy,
                                   "top_k_categorical_accuracy", k=5)
SparseTopKCategoricalAccuracy = _wrapper("SparseTopKCategoricalAccuracy",
                                         sparse_top_k_categorical_accuracy,
                                         "sparse_top_k_categorical_accuracy", k=5)
MeanSquaredError = _wrapper("MeanSquaredError", _squared_error, "mean_squared_error")
MeanAbsoluteError = _wrapper("MeanAbsoluteError", _absolute_error, "mean_absolute_error")


class AutoAccuracy(MeanMetricWrapper):
    """What ``metrics=["accuracy"]`` means when the loss does not decide it (Keras rule).

    At the first update: ``y_pred`` of width 1 (or 1-D) -> binary accuracy; ``y_true`` of
    lower rank or width 1 -> sparse categorical; otherwise categorical accuracy.
    """

    def __init__(self, name: str = "accuracy"):
        super().__init__(self._pick, name)
        self._fn: Callable | None = None

    def _pick(self, y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
        if self._fn is None:
            if y_pred.ndim == 1 or y_pred.shape[-1] == 1:
                self._fn = binary_accuracy
            elif y_true.ndim < y_pred.ndim or y_true.shape[-1] == 1:
                self._fn = sparse_categorical_accuracy
            else:
                self._fn = categorical_accuracy
        return self._fn(y_true, y_pred)


# -------------------------------------------------------- count-based metrics
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


class Precision(_LabelCounts):
    """``precision = TP / (TP + FP)``; binary, per class (``average=None``) or averaged."""

    def _per_class(self, tp, fp, fn):
        return _ratio(tp, tp + fp)


class Recall(_LabelCounts):
    """``recall = TP / (TP + FN)``; binary, per class (``average=None``) or averaged."""

    def _per_class(self, tp, fp, fn):
        return _ratio(tp, tp + fn)


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


class AUC(Metric):
    """Area under the ROC curve, from on-device histograms of scores (like Keras).

    Scores in [0, 1] (or logits with ``from_logits=True``) fall into ``num_thresholds``
    equal bins, counted separately for positives and negatives. ``result()`` sweeps the
    threshold from high to low, ``TPR = TP / P``, ``FPR = FP / N``, and integrates
    ``AUC = sum (FPR_{k+1} - FPR_k) (TPR_{k+1} + TPR_k) / 2`` (ties in a bin count half).
    Multi-column inputs are flattened (Keras' ``multi_label=False``).
    """

    def __init__(self, num_thresholds: int = 200, from_logits: bool = False,
                 name: str = "auc"):
        if num_thresholds < 2:
            raise ValueError(f"AUC: num_thresholds must be >= 2, got {num_thresholds}")
        self.num_thresholds, self.from_logits = int(num_thresholds), from_logits
        super().__init__(name)

    def reset_state(self) -> None:
        self._hist: torch.Tensor | None = None  # (2, bins): positives, negatives

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = _detach(y_true, y_pred)
        if self._hist is None:
            self._hist = torch.zeros(2, self.num_thresholds, dtype=_acc_dtype(y_pred.device),
                                     device=y_pred.device)
        p = torch.sigmoid(y_pred) if self.from_logits else y_pred
        w = _weights(sample_weight, p.to(self._hist.dtype)).reshape(-1)
        p = p.reshape(-1)
        pos = (y_true.reshape(p.shape) > 0.5).to(w.dtype)
        bins = (p.clamp(0, 1) * self.num_thresholds).long().clamp_(max=self.num_thresholds - 1)
        self._hist[0].index_add_(0, bins, w * pos)
        self._hist[1].index_add_(0, bins, w * (1 - pos))

    def result(self) -> float:
        if self._hist is None:
            return 0.0
        pos, neg = self._hist.flip(1).cpu().numpy()  # highest scores first
        if pos.sum() == 0 or neg.sum() == 0:
            return 0.0
        tpr = np.concatenate([[0.0], np.cumsum(pos) / pos.sum()])
        fpr = np.concatenate([[0.0], np.cumsum(neg) / neg.sum()])
        return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))

    def get_config(self) -> dict:
        return {"name": self.name, "num_thresholds": self.num_thresholds,
                "from_logits": self.from_logits}


for _names, _cls in [
    (("accuracy", "acc"), AutoAccuracy), (("binary_accuracy",), BinaryAccuracy),
    (("categorical_accuracy",), CategoricalAccuracy),
    (("sparse_categorical_accuracy",), SparseCategoricalAccuracy),
    (("top_k_categorical_accuracy", "top_k"), TopKCategoricalAccuracy),
    (("sparse_top_k_categorical_accuracy", "sparse_top_k"), SparseTopKCategoricalAccuracy),
    (("precision",), Precision), (("recall",), Recall), (("f1_score", "f1"), F1Score),
    (("confusion_matrix",), ConfusionMatrix), (("auc",), AUC),
    (("mean_squared_error", "mse"), MeanSquaredError),
    (("mean_absolute_error", "mae"), MeanAbsoluteError), (("mean",), Mean),
]:
    METRICS.add(*_names)(_cls)
_BY_CLASS_NAME = {c.__name__: c for _, c in METRICS.items()}
_BY_CLASS_NAME["Accuracy"] = Accuracy


def _accuracy_for(loss: Any) -> type | None:
    """Keras' rule: the accuracy that matches the loss's label format, or None."""
    name = loss if isinstance(loss, str) else getattr(
        loss, "name", getattr(loss, "__name__", type(loss).__name__))
    name = str(name).lower()
    if "sparse" in name or name == "scce":
        return SparseCategoricalAccuracy
    if "binary" in name or name.startswith("bce"):
        return BinaryAccuracy
    if "categorical" in name or name == "cce":
        return CategoricalAccuracy
    return None


def _on_logits(loss: Any) -> bool:
    config = loss.get_config() if hasattr(loss, "get_config") else {}
    return bool(config.get("from_logits")) or "logits" in str(getattr(loss, "name", "")).lower()


def get(identifier: str | Metric | Callable | type,
        loss: str | Callable | None = None) -> Metric:
    """Resolve ``identifier`` to a fresh :class:`Metric`.

    ``"accuracy"``/``"acc"`` follow the loss like Keras (sparse_categorical_crossentropy ->
    SparseCategoricalAccuracy, binary_crossentropy -> BinaryAccuracy, with threshold 0 if
    the loss takes logits, categorical losses -> CategoricalAccuracy, anything else ->
    decided by shapes at the first update). Other
    strings go through :data:`METRICS` (or a Keras class name); the metric's ``name`` is the
    string given. A ``Metric`` is returned as is, a Metric class is instantiated, and any
    callable ``fn(y_true, y_pred)`` is averaged over samples.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        if identifier.lower() in ("accuracy", "acc"):
            cls = _accuracy_for(loss) if loss is not None else None
            if cls is BinaryAccuracy and _on_logits(loss):
                return BinaryAccuracy(threshold=0.0, name=identifier)  # sigmoid(z) > .5 <=> z > 0
            return cls(name=identifier) if cls else AutoAccuracy(name=identifier)
        if identifier in _BY_CLASS_NAME:
            return _BY_CLASS_NAME[identifier]()
        return METRICS.get(identifier)(name=identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise TypeError(f"metric must be a name, a Metric or a callable (y_true, y_pred); got "
                    f"{type(identifier).__name__}: {identifier!r}")
