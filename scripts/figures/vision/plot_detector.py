"""Plot detections and a PR curve from the detector saved by run_detector.py.

    PYTHONPATH=src python scripts/figures/vision/plot_detector.py [--model runs/vision/detector.pt]
"""
import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from nnlab.vision import detection_pr_curve  # noqa: E402
from nnlab.vision.canvas_data import make_digit_canvases  # noqa: E402
from nnlab.vision.train_detector import detect, evaluate_detector  # noqa: E402
from nnlab.vision.yolo import YoloDetector  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--model", default="runs/vision/detector.pt", help="run_detector.py --save")
args = ap.parse_args()
model = YoloDetector()
model.load_state_dict(torch.load(args.model, weights_only=True))
test = make_digit_canvases(1000, split="test", seed=1)
print(evaluate_detector(model, test))
preds = detect(model, test["images"][:8], score_threshold=0.3)
fig, axes = plt.subplots(2, 4, figsize=(8, 4.4))
for ax, img, p in zip(axes.flat, test["images"], preds):
    ax.imshow(img[..., 0], cmap="gray")
    for (x1, y1, x2, y2), c, s in zip(p["boxes"].tolist(), p["labels"].tolist(),
                                      p["scores"].tolist()):
        ax.add_patch(plt.Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, color="lime"))
        ax.text(x1, y1 - 1, f"{c} {s:.2f}", color="yellow", fontsize=7)
    ax.axis("off")
fig.tight_layout()
fig.savefig("docs/img/vision/detections.png", dpi=70)
allp = detect(model, test["images"])
targets = [{"boxes": b, "labels": lb} for b, lb in zip(test["boxes"], test["labels"])]
plt.figure(figsize=(4, 3.5))
for c in (1, 8):
    p, r, _ = detection_pr_curve(allp, targets, c)
    plt.plot(r, p, label=f"digit {c}")
plt.xlabel("recall")
plt.ylabel("precision")
plt.legend()
plt.tight_layout()
plt.savefig("docs/img/vision/pr_curve.png", dpi=70)
