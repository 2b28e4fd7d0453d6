"""Segmentation net shapes for every upsampling, metrics by hand, label checks."""
import pytest
import torch

from nnlab.vision.segmentation import UPSAMPLINGS, SegmentationNet, mean_iou, pixel_accuracy


@pytest.mark.parametrize("up", UPSAMPLINGS)
def test_every_upsampling_keeps_size(up):
    net = SegmentationNet(num_classes=3, upsampling=up, width=4)
    assert net(torch.rand(2, 16, 16, 1)).shape == (2, 16, 16, 3)
    assert SegmentationNet(num_classes=3, upsampling=up, skips=False, width=4)(
        torch.rand(1, 8, 8, 1)).shape == (1, 8, 8, 3)


def test_bed_of_nails_places_values_top_left():
    net = SegmentationNet(num_classes=2, upsampling="bed_of_nails", width=2)
    x = torch.randn(1, 4, 3, 3)
    out = net._upsample(0, x, None)
    assert out.shape == (1, 2, 6, 6)   # 1x1 conv to the level's width 2, then 2x up
    assert (out[:, :, 1::2] == 0).all() and (out[:, :, :, 1::2] == 0).all()
    # the top-left of every 2x2 block holds the (1x1-reduced) input value
    torch.testing.assert_close(out[:, :, ::2, ::2], net.reduce[0](x))
    assert out[:, :, ::2, ::2].abs().min() > 0


def test_metrics_by_hand():
    target = torch.tensor([[0, 0, 1, 1], [2, 2, 2, 0]])
    pred = torch.tensor([[0, 1, 1, 1], [2, 2, 0, 0]])
    assert pixel_accuracy(pred, target, 3) == pytest.approx(6 / 8)
    # class 0: TP 2, FP 1, FN 1 -> 2/4; class 1: TP 2, FP 1 -> 2/3; class 2: TP 2, FN 1 -> 2/3
    miou, per = mean_iou(pred, target, 3)
    torch.testing.assert_close(per, torch.tensor([0.5, 2 / 3, 2 / 3], dtype=torch.float64))
    assert miou == pytest.approx((0.5 + 4 / 3) / 3)


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"target\[0, 3\] = 5 is outside the 3 classes"):
        pixel_accuracy(torch.zeros(2, 4, dtype=torch.long),
                       torch.tensor([[0, 0, 0, 5], [0, 0, 0, 0]]), 3)
    with pytest.raises(ValueError, match="upsampling must be one of"):
        SegmentationNet(upsampling="bilinear")
    with pytest.raises(ValueError, match="divisible by 2\\*\\*depth = 4"):
        SegmentationNet(width=2)(torch.rand(1, 6, 6, 1))


def test_transpose_weights_are_parameters_before_first_call():
    net = SegmentationNet(num_classes=3, upsampling="transpose", width=4)
    names = [n for n, _ in net.named_parameters()]
    assert "up.0.kernel" in names and "up.1.kernel" in names


def test_soft_dice_by_hand():
    from nnlab.vision.segmentation import soft_dice_loss
    target = torch.tensor([[[0, 1], [1, 1]]])                 # class 2 absent: not counted
    logits = torch.log(torch.tensor([[[[0.5, 0.5, 0.0], [0.0, 1.0, 0.0]],
                                      [[0.0, 0.5, 0.5], [0.0, 1.0, 0.0]]]]) + 1e-12)
    # class 0: 2*0.5 / (0.5 + 1) = 2/3; class 1: 2*2.5 / (3 + 3) = 5/6
    expected = 1 - (2 / 3 + 5 / 6) / 2
    assert float(soft_dice_loss(logits, target)) == pytest.approx(expected, abs=1e-5)


def test_train_segmentation_checks_before_work():
    from nnlab.vision.segmentation import train_segmentation
    with pytest.raises(ValueError, match=r"masks\[0, 1, 2\] = 11 is outside the 11 classes"):
        masks = torch.zeros(2, 8, 8, dtype=torch.long)
        masks[0, 1, 2] = 11
        train_segmentation(torch.rand(2, 8, 8, 1), masks)
    with pytest.raises(ValueError, match="must share"):
        train_segmentation(torch.rand(2, 8, 8, 1), torch.zeros(2, 4, 4, dtype=torch.long))


def test_plot_segmentation_writes_a_png(tmp_path):
    from nnlab.vision.segmentation import plot_segmentation
    images = torch.rand(3, 16, 16, 1)
    masks = torch.randint(0, 11, (3, 16, 16))
    path = str(tmp_path / "seg.png")
    plot_segmentation(images, masks, masks, path, n=3)
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
