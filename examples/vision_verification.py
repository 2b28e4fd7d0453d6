"""Verification of digits never seen in training (issue 25, docs/vision.md): an embedding
trained on MNIST digits 0-6, the threshold chosen on pairs of them, pairs of 7-9 verified.

    OMP_NUM_THREADS=1 PYTHONPATH=src python examples/vision_verification.py \
        [--pretrain-steps 1200] [--steps 0] [--aug 2] [--nets 1] [--cpu-minutes 10] [--png roc.png]

``--pretrain-steps``: cosine-softmax pre-training on the 7 classes (1,200 beat 600: docs);
``--steps``: triplet fine-tuning (semi-hard, margin 0.2); ``--aug``: augmentation strength
(2: +-20 deg, +-20 % shift and scale, the best of 1-3); ``--nets N``: ensemble of N nets
(seeds seed..seed+N-1, ``embed_ensemble``; the budget split between them);
``--contrastive W``: + W x NT-Xent (SimCLR) on two views; ``--cpu-minutes``: CPU budget.
Pairs: 4,000 of MNIST-test digits 0-6 (threshold), 4,000 of 7-9 (figures).
"""
import argparse
import os
import time

import numpy as np
import torch

from nnlab.data import load_mnist
from nnlab.vision.contrastive import embed_ensemble
from nnlab.vision.verification import (choose_threshold, embed, make_pairs, pretrain_softmax,
                                       subclass_labels, train_embedding, verification_roc)

ap = argparse.ArgumentParser()
ap.add_argument("--pretrain-steps", type=int, default=1200)
ap.add_argument("--steps", type=int, default=0)
ap.add_argument("--dim", type=int, default=64)
ap.add_argument("--width", type=int, default=32)
ap.add_argument("--scale", type=float, default=16.0)
ap.add_argument("--margin", type=float, default=0.0, help="CosFace/ArcFace margin")
ap.add_argument("--margin-kind", choices=["cosface", "arcface"], default="cosface")
ap.add_argument("--aug", type=float, default=2.0, help="augmentation strength (x10 deg, x10%% shift/scale)")
ap.add_argument("--tta", type=int, default=0, help="test-time shifts +-N pixels")
ap.add_argument("--rot", action="store_true", help="4x classes by quarter turns")
ap.add_argument("--subclusters", type=int, default=1, help="k-means pseudo-classes per class")
ap.add_argument("--contrastive", type=float, default=0.0, help="NT-Xent weight (SimCLR)")
ap.add_argument("--nets", type=int, default=1, help="ensemble of nets (seeds seed, seed+1, ..)")
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--cpu-minutes", type=float, default=10.0)
ap.add_argument("--png", default=None)


def distances(models, x, y, n, seed, tta=0):
    pairs, same = make_pairs(y.numpy(), n, seed)
    xs = x[torch.from_numpy(pairs.reshape(-1))]
    e = (embed(models[0], xs, tta_shift=tta) if len(models) == 1
         else embed_ensemble(models, xs)).reshape(n, 2, -1)
    return (e[:, 0] - e[:, 1]).norm(dim=-1).numpy(), same


def main(a):
    torch.set_num_threads(1)
    (xtr, ytr), (xte, yte) = load_mnist()
    xtr, xte = (torch.from_numpy(x).float()[..., None] / 255 for x in (xtr, xte))
    ytr, yte = (torch.from_numpy(y.astype(np.int64)) for y in (ytr, yte))
    seen = ytr <= 6
    c0, t0 = time.process_time(), time.time()
    models, budget = [], 60 * a.cpu_minutes / a.nets     # split evenly between the nets
    for i in range(a.nets):
        model, c1 = None, time.process_time()
        if a.pretrain_steps:
            labels = ytr[seen] if a.subclusters < 2 else subclass_labels(xtr[seen], ytr[seen],
                                                                         a.subclusters)
            model = pretrain_softmax(
                xtr[seen], labels, steps=a.pretrain_steps, dim=a.dim, width=a.width,
                scale=a.scale, cpu_budget=budget, log_every=100, margin=a.margin,
                margin_kind=a.margin_kind, augment_strength=a.aug, rotations=a.rot,
                contrastive_weight=a.contrastive, seed=a.seed + i)
        if a.steps:
            left, pre = budget - (time.process_time() - c1), model is not None
            model = train_embedding(
                xtr[seen], ytr[seen], steps=a.steps, warmup_steps=0 if pre else 100,
                dim=a.dim, width=a.width, lr=3e-4 if pre else 2e-3, cpu_budget=left,
                log_every=100, model=model, seed=a.seed + i)
        models.append(model)
    cpu, wall = time.process_time() - c0, time.time() - t0
    d_seen, s_seen = distances(models, xte[yte <= 6], yte[yte <= 6], 4000, 1, a.tta)
    threshold, acc_seen = choose_threshold(d_seen, s_seen)
    d, same = distances(models, xte[yte >= 7], yte[yte >= 7], 4000, 2, a.tta)
    fpr, tpr, _, auc = verification_roc(d, same)
    acc = float(np.mean((d <= threshold) == same))
    print(f"training {cpu:.0f} s CPU, {wall:.0f} s wall, load {os.getloadavg()[0]:.1f}; threshold "
          f"{threshold:.3f} from digits 0-6 (accuracy there {acc_seen:.4f}); unseen digits 7-9: "
          f"accuracy {acc:.4f}, AUC {auc:.4f}")
    if a.png:
        from matplotlib.figure import Figure     # no pyplot: no display backend needed
        ax = Figure(figsize=(4, 4)).subplots()
        ax.plot(fpr, tpr, "-", [0, 1], [0, 1], "k:")
        ax.set(xlabel="false accept rate", ylabel="true accept rate",
               title=f"digits 7-9, never trained on (AUC {auc:.3f})")
        ax.figure.tight_layout()
        ax.figure.savefig(a.png, dpi=80)
    return acc, auc


if __name__ == "__main__":
    main(ap.parse_args())
