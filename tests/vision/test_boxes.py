"""Box ops against plain-numpy references written here from the definitions."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlab.vision import (batched_nms, box_convert, box_iou, decode_boxes, encode_boxes,
                          make_anchors, nms)


def random_boxes(rng, n, size=100.0):
    xy = rng.uniform(0, size, (n, 2))
    wh = rng.uniform(0.5, size / 4, (n, 2))
    return np.concatenate([xy, xy + wh], 1)


def np_iou(a, b):
    out = np.zeros((len(a), len(b)))
    for i, p in enumerate(a):
        for j, q in enumerate(b):
            iw = max(0.0, min(p[2], q[2]) - max(p[0], q[0]))
            ih = max(0.0, min(p[3], q[3]) - max(p[1], q[1]))
            inter = iw * ih
            union = (p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - inter
            out[i, j] = inter / union
    return out


def np_nms(boxes, scores, thr):
    """Greedy NMS from the definition; ties broken by lower index."""
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    iou = np_iou(boxes, boxes)
    keep, dead = [], set()
    for i in order:
        if i in dead:
            continue
        keep.append(i)
        dead.update(j for j in order if iou[i, j] > thr)
    return keep


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 40), st.integers(1, 40))
def test_box_iou_matches_numpy(seed, n, m):
    rng = np.random.default_rng(seed)
    a, b = random_boxes(rng, n), random_boxes(rng, m)
    got = box_iou(torch.tensor(a), torch.tensor(b)).numpy()
    np.testing.assert_allclose(got, np_iou(a, b), rtol=1e-12, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 120), st.floats(0.1, 0.8),
       st.booleans())
def test_nms_matches_numpy(seed, n, thr, ties):
    rng = np.random.default_rng(seed)
    boxes = random_boxes(rng, n, size=60.0)
    scores = rng.integers(0, 4, n).astype(float) if ties else rng.uniform(size=n)
    got = nms(torch.tensor(boxes), torch.tensor(scores), thr).tolist()
    assert got == np_nms(boxes, scores, thr)


def test_nms_10000_boxes_matches_numpy():
    rng = np.random.default_rng(0)
    boxes, scores = random_boxes(rng, 10_000, size=200.0), rng.uniform(size=10_000)
    # numpy reference, vectorised per kept box (the loop version is too slow at 10k)
    order = np.lexsort((np.arange(10_000), -scores))
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        order = order[1:][_row_iou(boxes[i], boxes[order[1:]]) <= 0.5]
    assert nms(torch.tensor(boxes), torch.tensor(scores), 0.5).tolist() == keep


def _row_iou(p, q):
    iw = np.clip(np.minimum(p[2], q[:, 2]) - np.maximum(p[0], q[:, 0]), 0, None)
    ih = np.clip(np.minimum(p[3], q[:, 3]) - np.maximum(p[1], q[:, 1]), 0, None)
    inter = iw * ih
    return inter / ((p[2] - p[0]) * (p[3] - p[1]) + (q[:, 2] - q[:, 0]) * (q[:, 3] - q[:, 1])
                    - inter)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 80))
def test_batched_nms_is_nms_per_class(seed, n):
    rng = np.random.default_rng(seed)
    boxes, scores = random_boxes(rng, n, size=50.0), rng.uniform(size=n)
    classes = rng.integers(0, 3, n)
    expect = []
    for c in range(3):
        idx = np.flatnonzero(classes == c)
        expect += [idx[k] for k in np_nms(boxes[idx], scores[idx], 0.4)]
    expect.sort(key=lambda i: (-scores[i], i))
    got = batched_nms(torch.tensor(boxes), torch.tensor(scores), torch.tensor(classes), 0.4)
    assert got.tolist() == expect


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_box_convert_round_trip_and_definitions(seed):
    b = random_boxes(np.random.default_rng(seed), 20)
    t = torch.tensor(b)
    xywh = box_convert(t, "xyxy", "xywh").numpy()
    np.testing.assert_allclose(xywh, np.c_[b[:, :2], b[:, 2:] - b[:, :2]])
    cxcy = box_convert(t, "xyxy", "cxcywh").numpy()
    np.testing.assert_allclose(cxcy, np.c_[(b[:, :2] + b[:, 2:]) / 2, b[:, 2:] - b[:, :2]])
    for f in ("xywh", "cxcywh"):
        back = box_convert(box_convert(t, "xyxy", f), f, "xyxy")
        np.testing.assert_allclose(back.numpy(), b, atol=1e-12)
    np.testing.assert_allclose(box_convert(torch.tensor(xywh), "xywh", "cxcywh").numpy(), cxcy,
                               atol=1e-12)


def test_encode_decode_round_trip():
    rng = np.random.default_rng(1)
    b, a = torch.tensor(random_boxes(rng, 50)), torch.tensor(random_boxes(rng, 50))
    off = encode_boxes(b, a, weights=(10, 10, 5, 5))
    torch.testing.assert_close(decode_boxes(off, a, weights=(10, 10, 5, 5)), b)
    # definition: an anchor encodes to zero offsets
    torch.testing.assert_close(encode_boxes(a, a), torch.zeros_like(a))


def test_make_anchors_layout():
    anchors = make_anchors(2, 8, scales=[2.0, 4.0], ratios=[0.5, 1.0, 2.0])
    assert anchors.shape == (2 * 2 * 6, 4)
    cxcywh = box_convert(anchors, "xyxy", "cxcywh")
    torch.testing.assert_close(cxcywh[:6, :2], torch.full((6, 2), 2.0))   # cell (0, 0)
    torch.testing.assert_close(cxcywh[6, :2], torch.tensor([6.0, 2.0]))   # cell (0, 1)
    torch.testing.assert_close(cxcywh[:, 2] * cxcywh[:, 3],
                               torch.tensor([4.0] * 3 + [16.0] * 3).repeat(4))
    torch.testing.assert_close(cxcywh[:3, 2] / cxcywh[:3, 3], torch.tensor([0.5, 1.0, 2.0]))


def test_bad_inputs():
    good = torch.tensor([[0.0, 0, 1, 1]])
    with pytest.raises(ValueError, match=r"boxes2\[1\] .* has x2 < x1"):
        box_iou(good, torch.tensor([[0.0, 0, 1, 1], [5.0, 0, 4, 1]]))
    with pytest.raises(ValueError, match=r"boxes\[0\] .* has y2 < y1"):
        nms(torch.tensor([[0.0, 3, 1, 1]]), torch.tensor([1.0]), 0.5)
    point = torch.tensor([[2.0, 2, 2, 2]])
    with pytest.raises(ValueError, match=r"boxes1\[0\] and boxes2\[0\] both have zero area"):
        box_iou(point, point)
    assert box_iou(point, point, zero_area="zero").item() == 0
    assert box_iou(torch.zeros(0, 4), good).shape == (0, 1)
    with pytest.raises(ValueError, match="3x3 grid does not fit a 8x8 image"):
        make_anchors(3, 8, scales=[2.0])
    with pytest.raises(ValueError, match="more than twice"):
        make_anchors(2, 8, scales=[40.0])
    with pytest.raises(ValueError, match="out_fmt must be one of"):
        box_convert(good, "xyxy", "yxyx")
    with pytest.raises(ValueError, match=r"scores must have shape \(1,\)"):
        nms(good, torch.tensor([1.0, 2.0]), 0.5)
