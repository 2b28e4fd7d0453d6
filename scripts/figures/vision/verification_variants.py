"""One row of docs/vision.md's issue-25 variants table: cosine-softmax pre-training on MNIST
digits 0-6 with the given options, then unseen 7-9 pair accuracy (threshold from 0-6 pairs)
and AUC, without and with test-time shift averaging.

    OMP_NUM_THREADS=1 PYTHONPATH=src python scripts/figures/vision/verification_variants.py \
        --steps 600 [--margin 0.35 --margin-kind cosface --width 32 --dim 64 --aug 1.0]
"""
import argparse
import os
import time

import numpy as np
import torch

from nnlab.data import load_mnist
from nnlab.vision.verification import (choose_threshold, embed, make_pairs, pretrain_softmax,
                                       subclass_labels, verification_roc)

ap = argparse.ArgumentParser()
ap.add_argument("--steps", type=int, default=600)
ap.add_argument("--margin", type=float, default=0.0)
ap.add_argument("--margin-kind", default="cosface")
ap.add_argument("--scale", type=float, default=16.0)
ap.add_argument("--width", type=int, default=32)
ap.add_argument("--dim", type=int, default=64)
ap.add_argument("--aug", type=float, default=1.0)
ap.add_argument("--batch", type=int, default=128)
ap.add_argument("--head", default="flatten")
ap.add_argument("--rot", action="store_true", help="4x classes by quarter turns")
ap.add_argument("--subclusters", type=int, default=1, help="k-means pseudo-classes per class")
ap.add_argument("--tta", action="store_true", help="also score test-time shifts of 2 px")
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--save", default=None)
a = ap.parse_args()
torch.set_num_threads(1)
(xtr, ytr), (xte, yte) = load_mnist()
xtr, xte = (torch.from_numpy(x).float()[..., None] / 255 for x in (xtr, xte))
ytr, yte = (torch.from_numpy(y.astype(np.int64)) for y in (ytr, yte))
c0, t0 = time.process_time(), time.time()
labels = ytr[ytr <= 6]
if a.subclusters > 1:
    labels = subclass_labels(xtr[ytr <= 6], labels, a.subclusters, a.seed)
model = pretrain_softmax(xtr[ytr <= 6], labels, steps=a.steps, batch_size=a.batch,
                         scale=a.scale, dim=a.dim, width=a.width, head=a.head,
                         margin=a.margin, margin_kind=a.margin_kind, augment_strength=a.aug,
                         rotations=a.rot, seed=a.seed, log_every=200, cpu_budget=600)
cpu, wall = time.process_time() - c0, time.time() - t0
if a.save:
    torch.save(model.state_dict(), a.save)
for tta in ((0, 2) if a.tta else (0,)):
    res = []
    for sel, seed in ((yte <= 6, 1), (yte >= 7, 2)):
        pairs, same = make_pairs(yte[sel].numpy(), 4000, seed)
        e = embed(model, xte[sel][torch.from_numpy(pairs.reshape(-1))], tta_shift=tta)
        e = e.reshape(4000, 2, -1)
        res.append(((e[:, 0] - e[:, 1]).norm(dim=-1).numpy(), same))
    thr, acc_seen = choose_threshold(*res[0])
    d, same = res[1]
    acc, auc = float(np.mean((d <= thr) == same)), verification_roc(d, same)[3]
    print(f"{vars(a)} train {cpu:.0f} s CPU {wall:.0f} s wall load {os.getloadavg()[0]:.1f} "
          f"| tta {tta}: seen {acc_seen:.4f} unseen {acc:.4f} best {choose_threshold(d, same)[1]:.4f} "
          f"AUC {auc:.4f}", flush=True)
