"""Overlay predicted pixel labels on test canvases (model saved by run_segmentation.py).

    PYTHONPATH=src python scripts/figures/vision/plot_segmentation.py UP DEPTH [WIDTH] \
        [--model runs/vision/seg_UP.pt]
"""
import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from nnlab.vision.canvas_data import make_digit_canvases  # noqa: E402
from nnlab.vision.segmentation import SegmentationNet, predict_masks  # noqa: E402

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
fig, axes = plt.subplots(2, 4, figsize=(8, 4.2))
for k in range(4):
    for row, m, title in ((0, test["masks"][k], "label"), (1, pred[k], "predicted")):
        ax = axes[row, k]
        ax.imshow(test["images"][k, ..., 0], cmap="gray")
        ax.imshow(torch.where(m > 0, m - 1.0, float("nan")), cmap="tab10", vmin=0, vmax=9,
                  alpha=0.6)
        ax.set_title(title, fontsize=8)
        ax.axis("off")
fig.tight_layout()
fig.savefig("docs/img/vision/segmentation.png", dpi=70)
