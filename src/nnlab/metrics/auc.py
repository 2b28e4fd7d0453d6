"""``AUC``: area under the ROC or precision-recall curve, from on-device histograms of
scores (Keras' thresholds and summation)."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .metric import METRICS, Metric, _acc_dtype, _detach, _weights


class AUC(Metric):
    """Area under the ROC curve, from on-device histograms of scores (like Keras).

    Scores in [0, 1] (or logits with ``from_logits=True``) fall into ``num_thresholds``
    equal bins, counted separately for positives and negatives. ``result()`` sweeps the
    threshold from high to low, ``TPR = TP / P``, ``FPR = FP / N``, and integrates
    ``AUC = sum (FPR_{k+1} - FPR_k) (TPR_{k+1} + TPR_k) / 2`` (ties in a bin count half).
    Multi-column inputs are flattened (Keras' ``multi_label=False``).

    ``curve="PR"``: area under the precision-recall curve at Keras' thresholds
    (``0, 1/(n-1), ..., 1``), with Keras' ``"interpolation"`` summation (Davis & Goadrich,
    2006: precision interpolated between thresholds); see :func:`pr_auc_interpolated`.
    """

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", from_logits: bool = False,
                 name: str = "auc"):
        if num_thresholds < 2:
            raise ValueError(f"AUC: num_thresholds must be >= 2, got {num_thresholds}")
        if curve not in ("ROC", "PR"):
            raise ValueError(f"AUC: curve must be 'ROC' or 'PR', got {curve!r}")
        if summation_method != "interpolation":
            raise ValueError(f"AUC: only summation_method='interpolation' (Keras' default) is "
                             f"supported, got {summation_method!r}")
        self.num_thresholds, self.from_logits = int(num_thresholds), from_logits
        self.curve, self.summation_method = curve, summation_method
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
        if self.curve == "PR":
            # bin k holds scores in (t_k, t_{k+1}] for Keras' thresholds t_i = i / (n - 1):
            # score p exceeds t_1..t_k exactly; bin 0 also holds p <= 0
            bins = (torch.ceil(p.clamp(0, 1) * (self.num_thresholds - 1)) - 1).long().clamp_(
                min=0)
        else:
            bins = (p.clamp(0, 1) * self.num_thresholds).long().clamp_(
                max=self.num_thresholds - 1)
        self._hist[0].index_add_(0, bins, w * pos)
        self._hist[1].index_add_(0, bins, w * (1 - pos))

    def result(self) -> float:
        if self._hist is None:
            return 0.0
        if self.curve == "PR":
            return pr_auc_interpolated(*self._hist.cpu().numpy())
        pos, neg = self._hist.flip(1).cpu().numpy()  # highest scores first
        if pos.sum() == 0 or neg.sum() == 0:
            return 0.0
        tpr = np.concatenate([[0.0], np.cumsum(pos) / pos.sum()])
        fpr = np.concatenate([[0.0], np.cumsum(neg) / neg.sum()])
        return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))

    def get_config(self) -> dict:
        return {"name": self.name, "num_thresholds": self.num_thresholds, "curve": self.curve,
                "summation_method": self.summation_method, "from_logits": self.from_logits}


def pr_auc_interpolated(pos_hist: np.ndarray, neg_hist: np.ndarray) -> float:
    """Keras' PR-AUC from per-threshold histograms (``hist[k]``: scores above thresholds
    ``1..k`` only). ``tp_i`` = positives scoring above threshold ``i`` (``i = 0``: all).

    Between thresholds, precision is interpolated along the line through the two
    (TP, TP + FP) points (Davis & Goadrich); hand-written after Keras'
    ``interpolate_pr_auc``, which no library here exposes on histograms."""
    n = len(pos_hist)
    tail = lambda h: np.concatenate([np.cumsum(h[::-1])[::-1], [0.0]])  # noqa: E731
    tp_ge, fp_ge = tail(pos_hist), tail(neg_hist)            # tp_ge[k] = sum_{j>=k} hist[j]
    # threshold 0 (-eps): everything; thresholds 1..n-2: bins >= i; threshold n-1 (1+eps): none
    tp = np.concatenate([[pos_hist.sum()], tp_ge[1:n - 1], [0.0]])
    fp = np.concatenate([[neg_hist.sum()], fp_ge[1:n - 1], [0.0]])
    fn = pos_hist.sum() - tp
    dtp = tp[:-1] - tp[1:]
    p = tp + fp
    dp = p[:-1] - p[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(dp > 0, dtp / np.maximum(dp, 1e-300), 0.0)
        intercept = tp[1:] - slope * p[1:]
        ratio = np.where((p[:-1] > 0) & (p[1:] > 0), p[:-1] / np.maximum(p[1:], 1e-300), 1.0)
        increment = slope * (dtp + intercept * np.log(ratio))
        denom = tp[1:] + fn[1:]
        terms = np.where(denom > 0, increment / np.maximum(denom, 1e-300), 0.0)
    return float(np.sum(terms))


METRICS.add("auc")(AUC)
