"""Slow: short real training reaches the issue's floors (pytest -m slow)."""
import pytest
import torch

from nnlab.vision.canvas_data import make_digit_canvases
from nnlab.vision.segmentation import mean_iou, predict_masks, train_segmentation
from nnlab.vision.train_detector import evaluate_detector, train_detector


@pytest.mark.slow
def test_detector_map50_after_short_training():
    model = train_detector(make_digit_canvases(3000, seed=0), epochs=10)
    result = evaluate_detector(model, make_digit_canvases(300, split="test", seed=1))
    assert result["map50"] >= 0.8, result


@pytest.mark.slow
def test_segmentation_mean_iou_after_short_training():
    """The docs/vision.md recipe: 3,000 canvases, 6 epochs (563 steps), depth-3 U-Net with
    Conv2DTranspose, CE + Dice; about 4 minutes of one thread's CPU. Measured 0.83."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train = make_digit_canvases(3000, seed=0)
        test = make_digit_canvases(500, split="test", seed=1)
        model = train_segmentation(train["images"], train["masks"], epochs=6, depth=3,
                                   upsampling="transpose")
        miou, _ = mean_iou(predict_masks(model, test["images"]), test["masks"], 11)
    finally:
        torch.set_num_threads(threads)
    assert miou >= 0.8, miou
