"""Train the segmentation net (one upsampling) on digit canvases; print pixel accuracy and
mean IoU (11 classes) on 500 canvases built from MNIST *test* digits.

    PYTHONPATH=src OMP_NUM_THREADS=1 python scripts/figures/vision/run_segmentation.py \
        --up transpose --n-train 3000 --epochs 8 --depth 3
"""
import argparse
import os
import time

import torch

from nnlab.vision.canvas_data import make_digit_canvases
from nnlab.vision.segmentation import mean_iou, pixel_accuracy, predict_masks, train_segmentation

ap = argparse.ArgumentParser()
ap.add_argument("--up", default="transpose")
ap.add_argument("--n-train", type=int, default=3000)
ap.add_argument("--epochs", type=int, default=8)
ap.add_argument("--depth", type=int, default=3)
ap.add_argument("--width", type=int, default=16)
ap.add_argument("--batch", type=int, default=32)
ap.add_argument("--lr", type=float, default=3e-3)
ap.add_argument("--dice", type=float, default=1.0)
ap.add_argument("--cpu-budget", type=float, default=600.0)
ap.add_argument("--save", default=None,
                help="where the weights go (default runs/vision/seg_<up>.pt), for "
                     "plot_segmentation.py")
args = ap.parse_args()
save = args.save or f"runs/vision/seg_{args.up}.pt"
torch.set_num_threads(1)
train = make_digit_canvases(args.n_train, split="train", seed=0)
test = make_digit_canvases(500, split="test", seed=1)
c0, t0 = time.process_time(), time.time()
model = train_segmentation(train["images"], train["masks"], epochs=args.epochs,
                           batch_size=args.batch, lr=args.lr, dice_weight=args.dice,
                           cpu_budget=args.cpu_budget, verbose=True, upsampling=args.up,
                           depth=args.depth, width=args.width)
os.makedirs(os.path.dirname(save) or ".", exist_ok=True)
torch.save(model.state_dict(), save)
print(f"{args.up} depth {args.depth} width {args.width}: train cpu "
      f"{time.process_time() - c0:.0f}s wall {time.time() - t0:.0f}s load "
      f"{tuple(round(v, 1) for v in os.getloadavg())}")
pred = predict_masks(model, test["images"])
miou, per = mean_iou(pred, test["masks"], 11)
fg, _ = mean_iou((pred > 0).long(), (test["masks"] > 0).long(), 2)
print(f"{args.up}: pixel accuracy {pixel_accuracy(pred, test['masks'], 11):.4f} "
      f"mean IoU {miou:.4f} (foreground/background mean IoU {fg:.4f})")
print("per-class IoU", [round(v, 3) for v in per.tolist()])
