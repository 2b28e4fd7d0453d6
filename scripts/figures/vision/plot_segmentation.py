"""Overlay predicted pixel labels on test canvases (model saved by run_segmentation.py).

    PYTHONPATH=src python scripts/figures/vision/plot_segmentation.py UP DEPTH [WIDTH] \
        [--model runs/vision/seg_UP.pt]
"""
import argparse

import torch

from nnlab.vision.canvas_data import make_digit_canvases
from nnlab.vision.segmentation import SegmentationNet, plot_segmentation, predict_masks

ap = argparse.ArgumentParser()
ap.add_argument("up")
ap.add_argument("depth", type=int)
ap.add_argument("width", type=int, nargs="?", default=16)
ap.add_argument("--model", default=None, help="default runs/vision/seg_<up>.pt")
args = ap.parse_args()
model = SegmentationNet(upsampling=args.up, depth=args.depth, width=args.width)
model.load_state_dict(torch.load(args.model or f"runs/vision/seg_{args.up}.pt",
                                 weights_only=True))
model.eval()
test = make_digit_canvases(4, split="test", seed=1)
pred = predict_masks(model, test["images"])
plot_segmentation(test["images"], test["masks"], pred, "docs/img/vision/segmentation.png")
