"""mAP against pycocotools' COCOeval (dev-only oracle) and a hand-computed VOC example."""
import contextlib
import io

import numpy as np
import pytest
import torch

from nnlab.metrics import mean_average_precision
from nnlab.vision import average_precision_voc, detection_pr_curve


def random_set(seed, n_images=8, n_classes=3):
    rng = np.random.default_rng(seed)
    preds, targets = [], []
    for _ in range(n_images):
        m = rng.integers(0, 6)
        xy = rng.uniform(0, 80, (m, 2))
        gt = np.c_[xy, xy + rng.uniform(5, 30, (m, 2))]
        gl = rng.integers(0, n_classes, m)
        # detections: jittered copies of gts (some wrong class) plus random false positives
        k = rng.integers(0, 8)
        src = gt[rng.integers(0, m, k)] if m else np.zeros((0, 4))
        jit = src + rng.normal(0, 3, src.shape)
        xy2 = rng.uniform(0, 80, (3, 2))
        fp = np.c_[xy2, xy2 + rng.uniform(5, 30, (3, 2))]
        boxes = np.r_[jit, fp]
        boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2] + 0.5)
        labels = np.r_[gl[rng.integers(0, m, k)] if m else np.zeros(0, int),
                       rng.integers(0, n_classes, 3)]
        preds.append({"boxes": torch.tensor(boxes), "labels": torch.tensor(labels),
                      "scores": torch.tensor(rng.uniform(size=len(boxes)))})
        targets.append({"boxes": torch.tensor(gt), "labels": torch.tensor(gl)})
    return preds, targets


def coco_oracle(preds, targets):
    pytest.importorskip("pycocotools")
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    images, anns, dets = [], [], []
    for i, (p, t) in enumerate(zip(preds, targets)):
        images.append({"id": i + 1, "width": 200, "height": 200})
        for b, c in zip(t["boxes"].tolist(), t["labels"].tolist()):
            w, h = b[2] - b[0], b[3] - b[1]
            anns.append({"id": len(anns) + 1, "image_id": i + 1, "category_id": c + 1,
                         "bbox": [b[0], b[1], w, h], "area": w * h, "iscrowd": 0})
        for b, c, s in zip(p["boxes"].tolist(), p["labels"].tolist(), p["scores"].tolist()):
            dets.append({"image_id": i + 1, "category_id": c + 1, "score": s,
                         "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]]})
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = {"images": images, "annotations": anns,
                      "categories": [{"id": c + 1} for c in range(3)]}
        gt.createIndex()
        ev = COCOeval(gt, gt.loadRes(dets), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev.stats


@pytest.mark.parametrize("seed", range(6))
def test_coco_map_equals_cocoeval(seed):
    preds, targets = random_set(seed)
    stats = coco_oracle(preds, targets)
    assert mean_average_precision(preds, targets) == pytest.approx(stats[0], abs=1e-4)
    assert mean_average_precision(preds, targets, iou_thresholds=[0.5]) == \
        pytest.approx(stats[1], abs=1e-4)


def _box(x):
    return [x, 0.0, x + 10.0, 10.0]


def test_voc_ap_hand_computed():
    # image A: gts g1, g2; image B: gt g3. Detections by score: d1 hits g1 (TP), d2 misses
    # (FP), d3 hits g3 (TP), d4 duplicates g1 (FP). precision 1, 1/2, 2/3, 1/2;
    # recall 1/3, 1/3, 2/3, 2/3. All-point AP = 1/3 * 1 + 1/3 * 2/3 = 5/9;
    # 11-point AP = (4 * 1 + 3 * 2/3 + 4 * 0) / 11 = 6/11.
    preds = [{"boxes": torch.tensor([_box(0), _box(100), _box(1)]),
              "scores": torch.tensor([0.9, 0.8, 0.6]), "labels": torch.tensor([0, 0, 0])},
             {"boxes": torch.tensor([_box(0.5)]), "scores": torch.tensor([0.7]),
              "labels": torch.tensor([0])}]
    targets = [{"boxes": torch.tensor([_box(0), _box(50)]), "labels": torch.tensor([0, 0])},
               {"boxes": torch.tensor([_box(0)]), "labels": torch.tensor([0])}]
    assert mean_average_precision(preds, targets, style="voc") == pytest.approx(5 / 9)
    assert mean_average_precision(preds, targets, style="voc", voc_method="11point") == \
        pytest.approx(6 / 11)
    p, r, s = detection_pr_curve(preds, targets, class_id=0)
    np.testing.assert_allclose(p, [1, 1 / 2, 2 / 3, 1 / 2], atol=1e-12)
    np.testing.assert_allclose(r, [1 / 3, 1 / 3, 2 / 3, 2 / 3])
    np.testing.assert_allclose(s, [0.9, 0.8, 0.7, 0.6])
    assert average_precision_voc(np.array([1.0]), np.array([1.0])) == 1.0


def test_map_bad_inputs():
    t = [{"boxes": torch.zeros(1, 4) + torch.tensor([0, 0, 1, 1]), "labels": torch.tensor([0])}]
    with pytest.raises(ValueError, match="preds has 0 images but targets has 1"):
        mean_average_precision([], t)
    with pytest.raises(ValueError, match=r"preds\[0\] lacks \['scores'\]"):
        mean_average_precision([{"boxes": t[0]["boxes"], "labels": t[0]["labels"]}], t)
    with pytest.raises(ValueError, match="style must be 'coco' or 'voc'"):
        mean_average_precision(t, t, style="yolo")
