"""Verification of digits never seen in training: train an embedding on MNIST digits 0-6,
choose the distance threshold on pairs of those *training* classes, verify pairs of the
unseen digits 7-9.

    OMP_NUM_THREADS=1 PYTHONPATH=src python examples/vision_verification.py \
        [--pretrain-steps 600] [--steps 0] [--aug 2] [--cpu-minutes 10] [--png roc.png]

``--pretrain-steps``: cosine-softmax (NormFace) pre-training of the embedding on the
seven classes (``nnlab.vision.verification.pretrain_softmax``); ``--steps``: triplet
fine-tuning (semi-hard mining, margin 0.2; from scratch with a batch-all warm-up when
there is no pre-training); ``--aug``: augmentation strength (2: +-20 deg rotation, +-20 %
shift and scale; the best of 1, 2, 3 measured, docs/vision.md). ``--cpu-minutes`` is shared by the two stages
(``time.process_time``). Pairs: 4,000 from MNIST-test digits 0-6 for the threshold,
4,000 from MNIST-test digits 7-9 for the figure.
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
ap.add_argument("--pretrain-steps", type=int, default=600)
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
ap.add_argument("--temperature", type=float, default=0.1, help="NT-Xent temperature")
ap.add_argument("--nets", type=int, default=1, help="ensemble of nets (seeds seed, seed+1, ..)")
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--cpu-minutes", type=float, default=10.0)
ap.add_argument("--png", default=None)


def distances(models, x, y, n, seed, tta=0):
    pairs, same = make_pairs(y.numpy(), n, seed)
    xs = x[torch.from_numpy(pairs.reshape(-1))]
    e = embed(models[0], xs, tta_shift=tta) if len(models) == 1 else embed_ensemble(models, xs)
    e = e.reshape(n, 2, -1)
    return (e[:, 0] - e[:, 1]).norm(dim=-1).numpy(), same


def main(a):
    torch.set_num_threads(1)
    (xtr, ytr), (xte, yte) = load_mnist()
    xtr, xte = (torch.from_numpy(x).float()[..., None] / 255 for x in (xtr, xte))
    ytr, yte = (torch.from_numpy(y.astype(np.int64)) for y in (ytr, yte))
    seen = ytr <= 6
    c0, t0 = time.process_time(), time.time()
    models = []
    for i in range(a.nets):                      # the CPU budget split evenly between nets
        budget, model = 60 * a.cpu_minutes / a.nets, None
        c1 = time.process_time()
        if a.pretrain_steps:
            labels = ytr[seen] if a.subclusters < 2 else subclass_labels(xtr[seen], ytr[seen],
                                                                         a.subclusters)
            model = pretrain_softmax(
                xtr[seen], labels, steps=a.pretrain_steps, dim=a.dim, width=a.width,
                scale=a.scale, cpu_budget=budget, log_every=100, margin=a.margin,
                margin_kind=a.margin_kind, augment_strength=a.aug, rotations=a.rot,
                contrastive_weight=a.contrastive, temperature=a.temperature, seed=a.seed + i)
        if a.steps:
            left = budget - (time.process_time() - c1)
            model = train_embedding(xtr[seen], ytr[seen], steps=a.steps,
                                    warmup_steps=0 if model is not None else 100, dim=a.dim,
                                    width=a.width, lr=3e-4 if model is not None else 2e-3,
                                    cpu_budget=left, log_every=100, model=model,
                                    seed=a.seed + i)
        models.append(model)
    cpu, wall = time.process_time() - c0, time.time() - t0
    d_seen, s_seen = distances(models, xte[yte <= 6], yte[yte <= 6], 4000, 1, a.tta)
    threshold, acc_seen = choose_threshold(d_seen, s_seen)
    d, same = distances(models, xte[yte >= 7], yte[yte >= 7], 4000, 2, a.tta)
    fpr, tpr, _, auc = verification_roc(d, same)
    acc = float(np.mean((d <= threshold) == same))
    print(f"training {cpu:.0f} s CPU, {wall:.0f} s wall, load {os.getloadavg()[0]:.1f}; "
          f"threshold {threshold:.3f} from digits 0-6 (accuracy there {acc_seen:.4f}); "
          f"unseen digits 7-9: accuracy {acc:.4f}, AUC {auc:.4f}")
    if a.png:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        plt.figure(figsize=(4, 4))
        plt.plot(fpr, tpr)
        plt.plot([0, 1], [0, 1], "k:")
        plt.xlabel("false accept rate")
        plt.ylabel("true accept rate")
        plt.title(f"digits 7-9, never trained on (AUC {auc:.3f})")
        plt.tight_layout()
        plt.savefig(a.png, dpi=80)
    return acc, auc


if __name__ == "__main__":
    main(ap.parse_args())
