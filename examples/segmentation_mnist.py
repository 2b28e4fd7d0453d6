"""Semantic segmentation of MNIST digit canvases (11 classes: background + 10 digits) with
a U-Net, within a budget of one thread's CPU time.

    OMP_NUM_THREADS=1 PYTHONPATH=src python examples/segmentation_mnist.py \
        --n-train 6000 --epochs 6 --cpu-minutes 10 [--png segmentation.png]

Training canvases are built from MNIST training digits, the 500 evaluation canvases from
MNIST test digits; the figure is the mean IoU over the 11 classes. The U-Net (depth 3,
widths 16/32/64, bottom 128, Conv2DTranspose upsampling, concatenated skips) is trained
with pixel cross-entropy + soft Dice, Adam + one-cycle; ``--cpu-minutes`` stops it after
the epoch that spends the budget (``time.process_time``, canvas building included).
"""
import argparse
import os
import time

import torch

from nnlab.vision.canvas_data import make_digit_canvases
from nnlab.vision.segmentation import (mean_iou, pixel_accuracy, plot_segmentation,
                                       predict_masks, train_segmentation)

ap = argparse.ArgumentParser()
ap.add_argument("--n-train", type=int, default=6000)
ap.add_argument("--epochs", type=int, default=6)
ap.add_argument("--cpu-minutes", type=float, default=10.0)
ap.add_argument("--up", default="transpose")
ap.add_argument("--depth", type=int, default=3)
ap.add_argument("--width", type=int, default=16)
ap.add_argument("--batch", type=int, default=32)
ap.add_argument("--lr", type=float, default=3e-3)
ap.add_argument("--png", default=None, help="write label/prediction overlays here")


def main(a):
    torch.set_num_threads(1)
    c0, t0 = time.process_time(), time.time()
    train = make_digit_canvases(a.n_train, split="train", seed=0)
    budget = 60 * a.cpu_minutes - (time.process_time() - c0)
    model = train_segmentation(train["images"], train["masks"], epochs=a.epochs,
                               batch_size=a.batch, lr=a.lr, cpu_budget=budget, verbose=True,
                               upsampling=a.up, depth=a.depth, width=a.width)
    cpu, wall = time.process_time() - c0, time.time() - t0
    test = make_digit_canvases(500, split="test", seed=1)
    pred = predict_masks(model, test["images"])
    miou, per = mean_iou(pred, test["masks"], 11)
    fg, _ = mean_iou((pred > 0).long(), (test["masks"] > 0).long(), 2)
    print(f"{a.n_train} canvases x {a.epochs} epochs: {cpu:.0f} s CPU, {wall:.0f} s wall, "
          f"load {tuple(round(v, 1) for v in os.getloadavg())}; pixel accuracy "
          f"{pixel_accuracy(pred, test['masks'], 11):.4f}, mean IoU {miou:.4f} "
          f"(foreground/background {fg:.4f})")
    print("per-class IoU", [round(v, 3) for v in per.tolist()])
    if a.png:
        plot_segmentation(test["images"], test["masks"], pred, a.png)
    return miou, cpu


if __name__ == "__main__":
    main(ap.parse_args())
