"""Train the YOLO-style detector on digit canvases and print mAP (figures for docs/vision.md)."""
import os
import sys
import time

import torch

from nnlab.vision.canvas_data import make_digit_canvases
from nnlab.vision.train_detector import evaluate_detector, train_detector

n_train, epochs = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(1)
t0 = time.time()
train = make_digit_canvases(n_train, split="train", seed=0)
test = make_digit_canvases(1000, split="test", seed=1)
print(f"data {time.time() - t0:.0f}s")
t0 = time.time()
model = train_detector(train, epochs=epochs, verbose=True)
print(f"train {time.time() - t0:.0f}s, load {os.getloadavg()}")
print(evaluate_detector(model, test))
torch.save(model.state_dict(), "/tmp/vision_detector.pt")
