"""Triplet embedding on classes 0-6 of MNIST (or Fashion-MNIST); verify pairs of the unseen
classes 7-9. The threshold is chosen on 4,000 pairs of unseen-class *training* images (never
trained on) and reported on 4,000 pairs of unseen-class *test* images.

    PYTHONPATH=src OMP_NUM_THREADS=1 python scripts/figures/vision/run_verification.py \
        --data mnist --steps 1500 --mining semi_hard --margin 0.2
    python scripts/figures/vision/plot_roc.py     # the ROC it saved -> docs/img/vision/roc.png
"""
import argparse
import os
import time

import numpy as np
import torch

from nnlab.data import load_fashion_mnist, load_mnist
from nnlab.vision.verification import (choose_threshold, embed, make_pairs, train_embedding,
                                       verification_roc)

ap = argparse.ArgumentParser()
ap.add_argument("--data", default="mnist", choices=["mnist", "fashion"])
ap.add_argument("--steps", type=int, default=1500)
ap.add_argument("--warmup", type=int, default=200)
ap.add_argument("--mining", default="semi_hard")
ap.add_argument("--margin", type=float, default=0.2)
ap.add_argument("--per-class", type=int, default=16)
ap.add_argument("--head", default="flatten")
ap.add_argument("--no-augment", action="store_true")
ap.add_argument("--cpu-budget", type=float, default=600.0)
ap.add_argument("--roc-data", default="runs/vision/roc.npz",
                help="save the unseen-class ROC (fpr, tpr) here, for plot_roc.py")
args = ap.parse_args()
torch.set_num_threads(1)
(xtr, ytr), (xte, yte) = load_mnist() if args.data == "mnist" else load_fashion_mnist()
xtr = torch.from_numpy(xtr).float().reshape(-1, 28, 28, 1) / 255
xte = torch.from_numpy(xte).float().reshape(-1, 28, 28, 1) / 255
ytr, yte = torch.from_numpy(ytr.astype(np.int64)), torch.from_numpy(yte.astype(np.int64))
seen = ytr <= 6
c0, t0 = time.process_time(), time.time()
model = train_embedding(xtr[seen], ytr[seen], steps=args.steps, mining=args.mining,
                        margin=args.margin, warmup_steps=args.warmup, per_class=args.per_class,
                        head=args.head, augmentation=not args.no_augment,
                        cpu_budget=args.cpu_budget, log_every=100)
print(f"train: cpu {time.process_time() - c0:.0f}s wall {time.time() - t0:.0f}s "
      f"load {tuple(round(v, 1) for v in os.getloadavg())}")


def dist(x, y, n, seed):
    pairs, same = make_pairs(y.numpy(), n, seed)
    e = embed(model, x[torch.from_numpy(pairs.reshape(-1))]).reshape(n, 2, -1)
    return (e[:, 0] - e[:, 1]).norm(dim=-1).numpy(), same


val = ytr >= 7   # unseen classes, training images (never trained on): pick the threshold
d_val, s_val = dist(xtr[val], ytr[val], 4000, 1)
t, acc_val = choose_threshold(d_val, s_val)
test = yte >= 7  # unseen classes, test images: report
d, s = dist(xte[test], yte[test], 4000, 2)
fpr, tpr, _, auc = verification_roc(d, s)
os.makedirs(os.path.dirname(args.roc_data) or ".", exist_ok=True)
np.savez(args.roc_data, fpr=fpr, tpr=tpr,
         classes="digits 7-9" if args.data == "mnist" else "Fashion classes 7-9")
seen_te = yte <= 6   # seen classes, test images (for comparison)
d2, s2 = dist(xte[seen_te], yte[seen_te], 4000, 3)
_, _, _, auc_seen = verification_roc(d2, s2)
print(f"{args.data} {args.mining} margin {args.margin}: threshold {t:.3f} (val acc "
      f"{acc_val:.4f}); unseen test acc {np.mean((d <= t) == s):.4f} AUC {auc:.4f}; "
      f"seen-class test AUC {auc_seen:.4f}")
print("ROC data:", args.roc_data)
