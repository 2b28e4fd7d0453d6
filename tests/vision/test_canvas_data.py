"""Digit canvases: boxes tight around the ink, masks consistent, split by source image."""
import pytest
import torch

from nnlab.vision.canvas_data import make_digit_canvases, make_localisation_set


def test_canvases_boxes_masks_reproducible():
    d = make_digit_canvases(20, seed=3)
    again = make_digit_canvases(20, seed=3)
    assert torch.equal(d["images"], again["images"])
    assert d["images"].shape == (20, 64, 64, 1) and d["masks"].shape == (20, 64, 64)
    for img, mask, boxes, labels in zip(d["images"], d["masks"], d["boxes"], d["labels"]):
        assert 1 <= len(boxes) <= 3
        for (x1, y1, x2, y2), c in zip(boxes.long().tolist(), labels.tolist()):
            inside = mask[y1:y2, x1:x2]
            assert (inside == c + 1).any()                      # its ink is in its box
            assert (img[y1:y2, x1:x2] > 0.5).any()
        on = mask > 0
        assert set(mask[on].unique().tolist()) <= {c + 1 for c in labels.tolist()}


def test_split_by_source_image():
    tr, te = make_digit_canvases(5, split="train"), make_digit_canvases(5, split="test")
    assert all(len(s) for s in tr["sources"] + te["sources"])
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        make_digit_canvases(2, split="val")
    with pytest.raises(ValueError, match="scale_range"):
        make_digit_canvases(2, scale_range=(40, 80))


def test_localisation_landmarks_are_extreme_points():
    d = make_localisation_set(10)
    b, lm = d["boxes"], d["landmarks"]
    torch.testing.assert_close(lm[:, 0, 0], b[:, 0] + 0.5)   # leftmost x
    torch.testing.assert_close(lm[:, 1, 1], b[:, 1] + 0.5)   # topmost y
    torch.testing.assert_close(lm[:, 2, 0], b[:, 2] - 0.5)   # rightmost x
    torch.testing.assert_close(lm[:, 3, 1], b[:, 3] - 0.5)   # bottommost y
