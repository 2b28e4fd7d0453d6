"""YOLO-style digit detector: train on MNIST canvases, report mAP, draw detections.

    PYTHONPATH=src python examples/vision_detector.py        (about 15 min on a busy 2-core CPU)
"""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from nnlab.vision.canvas_data import make_digit_canvases  # noqa: E402
from nnlab.vision.train_detector import detect, evaluate_detector, train_detector  # noqa: E402

train = make_digit_canvases(3000, split="train", seed=0)   # real MNIST training digits
test = make_digit_canvases(500, split="test", seed=1)      # MNIST test digits only
model = train_detector(train, epochs=10, verbose=True)
print(evaluate_detector(model, test))  # {'map50': VOC AP@0.5, 'map': COCO AP@[.5:.95]}

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
fig.savefig("detections.png", dpi=80)
print("wrote detections.png")
