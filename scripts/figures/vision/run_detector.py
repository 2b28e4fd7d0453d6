"""Train the YOLO-style detector on digit canvases and print mAP (figures for docs/vision.md);
the weights go to ``--save`` (default runs/vision/detector.pt) for plot_detector.py.

    PYTHONPATH=src python scripts/figures/vision/run_detector.py N_TRAIN EPOCHS [--save PATH]
"""
import argparse
import os
import time

import torch

from nnlab.vision.canvas_data import make_digit_canvases
from nnlab.vision.train_detector import evaluate_detector, train_detector

ap = argparse.ArgumentParser()
ap.add_argument("n_train", type=int)
ap.add_argument("epochs", type=int)
ap.add_argument("--save", default="runs/vision/detector.pt")
args = ap.parse_args()
n_train, epochs = args.n_train, args.epochs
torch.set_num_threads(1)
t0 = time.time()
train = make_digit_canvases(n_train, split="train", seed=0)
test = make_digit_canvases(1000, split="test", seed=1)
print(f"data {time.time() - t0:.0f}s")
t0 = time.time()
model = train_detector(train, epochs=epochs, verbose=True)
print(f"train {time.time() - t0:.0f}s, load {os.getloadavg()}")
print(evaluate_detector(model, test))
os.makedirs(os.path.dirname(args.save) or ".", exist_ok=True)
torch.save(model.state_dict(), args.save)
