"""Mean average precision for object detection: VOC-style AP@0.5 and COCO-style AP@[.5:.95].

Inputs follow the torchmetrics convention, one dict per image:
``preds[i] = {"boxes": (N, 4) xyxy, "scores": (N,), "labels": (N,)}`` and
``targets[i] = {"boxes": (M, 4) xyxy, "labels": (M,)}``.

Written by hand (no library on this machine offers it without pycocotools, which is a
dev-only oracle): the COCO path reproduces ``COCOeval`` (bbox, area 'all', no crowd,
``maxDets=100``, 101-point interpolated precision); the VOC path is the VOC2010+ devkit
(all-point area under the monotone precision envelope; ``'11point'`` for VOC2007), on
continuous coordinates (no ``+1`` pixel convention).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

from .boxes import box_iou

__all__ = ["mean_average_precision", "detection_pr_curve", "average_precision_voc"]

COCO_IOUS = np.linspace(0.5, 0.95, 10)
COCO_RECALLS = np.linspace(0.0, 1.0, 101)


def _np(x, dtype=np.float64):
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=dtype)


def _check(preds: Sequence[Dict], targets: Sequence[Dict]):
    if len(preds) != len(targets):
        raise ValueError(f"mean_average_precision: preds has {len(preds)} images but targets "
                         f"has {len(targets)}; give one dict per image in both")
    out = []
    for i, (p, t) in enumerate(zip(preds, targets)):
        for name, d, keys in (("preds", p, ("boxes", "scores", "labels")),
                              ("targets", t, ("boxes", "labels"))):
            missing = [k for k in keys if k not in d]
            if missing:
                raise ValueError(f"mean_average_precision: {name}[{i}] lacks {missing}; "
                                 f"expected keys {list(keys)}")
        pb, tb = _np(p["boxes"]).reshape(-1, 4), _np(t["boxes"]).reshape(-1, 4)
        ps, pl, tl = _np(p["scores"]).reshape(-1), _np(p["labels"], np.int64).reshape(-1), \
            _np(t["labels"], np.int64).reshape(-1)
        if not len(ps) == len(pl) == len(pb) or len(tl) != len(tb):
            raise ValueError(f"mean_average_precision: image {i} has {len(pb)} predicted boxes, "
                             f"{len(ps)} scores, {len(pl)} labels, {len(tb)} target boxes and "
                             f"{len(tl)} target labels; counts must agree")
        out.append((pb, ps, pl, tb, tl))
    return out


def _ious(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if not len(a) or not len(b):
        return np.zeros((len(a), len(b)))
    return box_iou(torch.from_numpy(a), torch.from_numpy(b), zero_area="zero").numpy()


def _coco_match(images, cls: int, thresholds: np.ndarray, max_det: int):
    """Per threshold: scores and tp flags of all detections of ``cls``, and the gt count."""
    scores, tps, n_gt = [], [], 0
    for pb, ps, pl, tb, tl in images:
        d, g = np.flatnonzero(pl == cls), np.flatnonzero(tl == cls)
        n_gt += len(g)
        if not len(d):
            continue
        d = d[np.argsort(-ps[d], kind="mergesort")][:max_det]
        iou = _ious(pb[d], tb[g])
        tp = np.zeros((len(thresholds), len(d)), bool)
        for k, t in enumerate(thresholds):
            taken = np.zeros(len(g), bool)
            for di in range(len(d)):
                best, m = min(t, 1 - 1e-10), -1
                for gi in range(len(g)):   # COCOeval: best unmatched gt, ties -> later gt
                    if taken[gi] or iou[di, gi] < best:
                        continue
                    best, m = iou[di, gi], gi
                if m >= 0:
                    taken[m], tp[k, di] = True, True
        scores.append(ps[d])
        tps.append(tp)
    if not scores:
        return np.zeros(0), np.zeros((len(thresholds), 0), bool), n_gt
    return np.concatenate(scores), np.concatenate(tps, 1), n_gt


def _pr(scores: np.ndarray, tp: np.ndarray, n_gt: int):
    order = np.argsort(-scores, kind="mergesort")
    tp = tp[order]
    ctp, cfp = np.cumsum(tp), np.cumsum(~tp)
    recall = ctp / max(n_gt, 1)
    precision = ctp / (ctp + cfp + np.spacing(1))
    return precision, recall, scores[order]


def _coco_ap(precision: np.ndarray, recall: np.ndarray) -> float:
    """101-point interpolated AP exactly as COCOeval.accumulate."""
    pr = np.maximum.accumulate(precision[::-1])[::-1] if len(precision) else precision
    idx = np.searchsorted(recall, COCO_RECALLS, side="left")
    q = np.where(idx < len(pr), pr[np.minimum(idx, len(pr) - 1)] if len(pr) else 0.0, 0.0)
    return float(np.mean(q))


def average_precision_voc(precision: np.ndarray, recall: np.ndarray,
                          method: str = "all") -> float:
    """VOC AP from a PR curve: ``'all'`` points (VOC2010+) or ``'11point'`` (VOC2007)."""
    precision, recall = _np(precision), _np(recall)
    if method == "11point":
        return float(np.mean([precision[recall >= t].max() if (recall >= t).any() else 0.0
                              for t in np.linspace(0, 1, 11)]))
    if method != "all":
        raise ValueError(f"average_precision_voc: method must be 'all' or '11point', "
                         f"got {method!r}")
    mrec = np.concatenate([[0.0], recall, [1.0]])
    mpre = np.concatenate([[0.0], precision, [0.0]])
    mpre = np.maximum.accumulate(mpre[::-1])[::-1]
    i = np.flatnonzero(mrec[1:] != mrec[:-1])
    return float(np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1]))


def _voc_match(images, cls: int, thr: float):
    """VOC devkit: each detection (by score) takes its max-IoU gt if IoU >= thr and unused."""
    scores, tps, n_gt = [], [], 0
    for pb, ps, pl, tb, tl in images:
        d, g = np.flatnonzero(pl == cls), np.flatnonzero(tl == cls)
        n_gt += len(g)
        if not len(d):
            continue
        d = d[np.argsort(-ps[d], kind="mergesort")]
        iou = _ious(pb[d], tb[g])
        taken, tp = np.zeros(len(g), bool), np.zeros(len(d), bool)
        for di in range(len(d)):
            if len(g):
                m = int(np.argmax(iou[di]))
                if iou[di, m] >= thr and not taken[m]:
                    taken[m], tp[di] = True, True
        scores.append(ps[d])
        tps.append(tp)
    if not scores:
        return np.zeros(0), np.zeros(0, bool), n_gt
    return np.concatenate(scores), np.concatenate(tps), n_gt


def _classes(images, class_ids):
    if class_ids is not None:
        return list(class_ids)
    return sorted({int(c) for *_, tl in images for c in tl})   # as COCO: gt categories


def detection_pr_curve(preds: Sequence[Dict], targets: Sequence[Dict], class_id: int,
                       iou_threshold: float = 0.5, style: str = "voc"):
    """Precision, recall and score thresholds ``(D,)`` each, for one class at one IoU."""
    images = _check(preds, targets)
    if style == "voc":
        s, tp, n = _voc_match(images, class_id, iou_threshold)
    else:
        s, tp, n = _coco_match(images, class_id, np.array([iou_threshold]), 100)
        tp = tp[0]
    return _pr(s, tp, n)


def mean_average_precision(preds: Sequence[Dict], targets: Sequence[Dict], *,
                           style: str = "coco", iou_threshold: float = 0.5,
                           iou_thresholds: Optional[Sequence[float]] = None,
                           max_detections: int = 100, class_ids: Optional[List[int]] = None,
                           voc_method: str = "all", per_class: bool = False):
    """mAP over classes present in ``targets``.

    ``style='coco'``: mean over IoU thresholds 0.50:0.05:0.95 (or ``iou_thresholds``) and
    classes of the 101-point interpolated AP, as pycocotools' ``COCOeval.stats[0]``.
    ``style='voc'``: AP at ``iou_threshold`` (0.5) with all-point interpolation.
    Returns a float, or ``(float, {class: AP})`` with ``per_class=True``.
    """
    if style not in ("coco", "voc"):
        raise ValueError(f"mean_average_precision: style must be 'coco' or 'voc', got {style!r}")
    images = _check(preds, targets)
    aps = {}
    for c in _classes(images, class_ids):
        if style == "voc":
            s, tp, n = _voc_match(images, c, iou_threshold)
            if n == 0:
                continue
            p, r, _ = _pr(s, tp, n)
            aps[c] = average_precision_voc(p, r, voc_method)
        else:
            thr = COCO_IOUS if iou_thresholds is None else np.asarray(iou_thresholds, float)
            s, tp, n = _coco_match(images, c, thr, max_detections)
            if n == 0:
                continue
            aps[c] = float(np.mean([_coco_ap(*_pr(s, tp[k], n)[:2])
                                    for k in range(len(thr))]))
    value = float(np.mean(list(aps.values()))) if aps else float("nan")
    return (value, aps) if per_class else value
