"""Train the segmentation net (one upsampling) on digit canvases; print pixel acc, mean IoU."""
import os
import sys
import time

import torch

from nnlab.vision.canvas_data import make_digit_canvases
from nnlab.vision.segmentation import mean_iou, pixel_accuracy, predict_masks, train_segmentation

n_train, epochs, up = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
depth = int(sys.argv[4]) if len(sys.argv) > 4 else 2
torch.set_num_threads(1)
train = make_digit_canvases(n_train, split="train", seed=0)
test = make_digit_canvases(500, split="test", seed=1)
t0 = time.time()
model = train_segmentation(train["images"], train["masks"], epochs=epochs, upsampling=up, depth=depth,
                           verbose=True)
torch.save(model.state_dict(), f"/tmp/vision_seg_{up}.pt")
print(f"{up} depth {depth}: train {time.time() - t0:.0f}s, load {os.getloadavg()}")
pred = predict_masks(model, test["images"])
miou, per = mean_iou(pred, test["masks"], 11)
print(f"{up}: pixel accuracy {pixel_accuracy(pred, test['masks'], 11):.4f} mean IoU {miou:.4f}")
print("per-class IoU", [round(v, 3) for v in per.tolist()])
