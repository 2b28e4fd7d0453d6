"""YOLO targets, loss and decoding; short training learns on digit canvases."""
import pytest
import torch

from nnlab.vision.yolo import YoloDetector, yolo_decode, yolo_loss, yolo_targets


def test_targets_cell_and_anchor():
    anchors = torch.tensor([[8.0, 8.0], [20.0, 30.0]])
    boxes = [torch.tensor([[10.0, 20.0, 18.0, 28.0], [30.0, 5.0, 50.0, 35.0]])]
    t, m = yolo_targets(boxes, [torch.tensor([3, 7])], anchors, 64, 8)
    assert m.sum() == 2 and m[0, 3, 1, 0] and m[0, 2, 5, 1]   # centres (14,24), (40,20)
    torch.testing.assert_close(t[0, 3, 1, 0], torch.tensor([0.75, 0.0, 0.0, 0.0, 3.0]))
    torch.testing.assert_close(t[0, 2, 5, 1, :2], torch.tensor([0.0, 0.5]))


def test_decode_inverts_targets():
    """A 'perfect' raw output built from the targets decodes back to the boxes."""
    model = YoloDetector(num_classes=10)
    boxes = [torch.tensor([[10.0, 20.0, 22.0, 36.0], [40.0, 5.0, 58.0, 29.0]])]
    labels = [torch.tensor([3, 7])]
    t, m = yolo_targets(boxes, labels, model.anchors, 64, 8)
    raw = torch.full((1, 8, 8, 2, 15), -20.0)
    p = t[m]
    raw[m] = torch.cat([torch.logit(p[:, :2].clamp(1e-6, 1 - 1e-6)), p[:, 2:4],
                        torch.full((2, 1), 20.0), torch.nn.functional.one_hot(
                            p[:, 4].long(), 10).float() * 40 - 20], 1)
    out = yolo_decode(raw, model.anchors, 64, score_threshold=0.5)[0]
    order = out["labels"].argsort()
    torch.testing.assert_close(out["boxes"][order], boxes[0], atol=1e-3, rtol=0)
    assert out["labels"][order].tolist() == [3, 7]
    assert yolo_loss(raw, t, m) < 0.01


def test_detector_bad_grid():
    with pytest.raises(ValueError, match="7x7 grid does not fit a 64x64 image"):
        YoloDetector(grid_size=7)
