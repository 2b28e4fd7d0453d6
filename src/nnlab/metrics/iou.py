"""Intersection over union as streaming metrics for ``compile``: Keras 3's ``IoU`` and
``MeanIoU``. They accumulate a ``(C, C)`` confusion matrix (rows true, columns predicted)
over batches; ``result() = mean over the target classes of TP / (TP + FP + FN)``, classes
that never appear (neither true nor predicted) left out of the mean, as Keras does.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import torch

from .metric import Metric, _acc_dtype, _detach


class IoU(Metric):
    """IoU averaged over ``target_class_ids`` (Keras 3's ``keras.metrics.IoU``).

    ``y_true``: class ids of any shape (``sparse_y_true=True``) or one-hot/probabilities with
    classes on ``axis``; ``y_pred``: class ids (``sparse_y_pred=True``, Keras' default) or
    scores ``(..., C)`` (``sparse_y_pred=False``: argmax on ``axis``, what a softmax model
    gives). Pixels/samples whose true class is ``ignore_class`` are not counted.
    """

    def __init__(self, num_classes: int, target_class_ids: Sequence[int],
                 name: Optional[str] = None, dtype: Any = None,
                 ignore_class: Optional[int] = None, sparse_y_true: bool = True,
                 sparse_y_pred: bool = True, axis: int = -1):
        if not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f"{type(self).__name__}: num_classes must be a positive int, "
                             f"got {num_classes!r}")
        ids = [int(i) for i in target_class_ids]
        if not ids or any(not 0 <= i < num_classes for i in ids):
            raise ValueError(f"{type(self).__name__}: target_class_ids must be class ids in "
                             f"[0, {num_classes}), got {list(target_class_ids)}")
        self.num_classes, self.target_class_ids = num_classes, ids
        self.ignore_class, self.axis = ignore_class, axis
        self.sparse_y_true, self.sparse_y_pred = sparse_y_true, sparse_y_pred
        super().__init__(name)

    def reset_state(self) -> None:
        self._cm: Optional[torch.Tensor] = None     # (C, C) weighted counts
        self._bad: Optional[torch.Tensor] = None    # labels outside [0, C), counted on-device

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = _detach(y_true, y_pred)
        if not self.sparse_y_true:
            y_true = y_true.argmax(self.axis)
        if not self.sparse_y_pred:
            y_pred = y_pred.argmax(self.axis)
        true, pred = y_true.reshape(-1).long(), y_pred.reshape(-1).long()
        if true.shape != pred.shape:
            raise ValueError(f"{self.name}: y_true has {true.numel()} labels but y_pred "
                             f"{pred.numel()} (shapes {tuple(y_true.shape)} and "
                             f"{tuple(y_pred.shape)}); pass sparse_y_pred=False for scores")
        c, dt = self.num_classes, _acc_dtype(pred.device)
        if self._cm is None:
            self._cm = torch.zeros(c * c, dtype=dt, device=pred.device)
            self._bad = torch.zeros((), dtype=dt, device=pred.device)
        w = torch.ones_like(true, dtype=dt) if sample_weight is None else \
            torch.as_tensor(sample_weight, dtype=dt, device=pred.device).reshape(-1) \
            .expand(true.shape)
        if self.ignore_class is not None:
            w = w * (true != self.ignore_class)
        valid = (true >= 0) & (true < c) & (pred >= 0) & (pred < c)
        self._bad += ((~valid) * (w != 0)).sum()
        idx = true.clamp(0, c - 1) * c + pred.clamp(0, c - 1)
        self._cm.index_add_(0, idx, w * valid)

    def result(self) -> float:
        if self._cm is None:
            return 0.0
        if self._bad.item():
            raise ValueError(f"{self.name}: {int(self._bad.item())} labels or predictions were "
                             f"outside [0, {self.num_classes}) for num_classes="
                             f"{self.num_classes}")
        cm = self._cm.reshape(self.num_classes, self.num_classes)
        tp = cm.diagonal()
        denom = cm.sum(0) + cm.sum(1) - tp
        ids = torch.as_tensor(self.target_class_ids, device=cm.device)
        tp, denom = tp[ids], denom[ids]
        iou = torch.where(denom > 0, tp / denom.clamp_min(1e-30), torch.zeros_like(tp))
        n = (denom > 0).sum()
        return float(iou.sum() / n) if n else 0.0

    def get_config(self) -> dict:
        return {"name": self.name, "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class MeanIoU(IoU):
    """IoU averaged over all ``num_classes`` classes (Keras 3's ``keras.metrics.MeanIoU``).

    ``MeanIoU(num_classes=3, sparse_y_pred=False)`` in ``compile(metrics=[...])`` for a
    model ending in softmax; the segmentation helper ``vision.segmentation.mean_iou`` computes
    the same on whole prediction arrays.
    """

    def __init__(self, num_classes: int, name: Optional[str] = None, dtype: Any = None,
                 ignore_class: Optional[int] = None, sparse_y_true: bool = True,
                 sparse_y_pred: bool = True, axis: int = -1):
        super().__init__(num_classes, list(range(num_classes)), name, dtype, ignore_class,
                         sparse_y_true, sparse_y_pred, axis)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["target_class_ids"]
        return config
