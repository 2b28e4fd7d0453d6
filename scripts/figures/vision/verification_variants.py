"""One row of docs/vision.md's issue-25 variants tables: cosine-softmax pre-training on MNIST
digits 0-6 with the given options (or nets saved by earlier runs, ``--load``, ensembled),
then unseen 7-9 pair accuracy (threshold from 0-6 pairs), the accuracy at the best
threshold on the 7-9 pairs themselves, AUC, and the error rate per pair of digits.

    OMP_NUM_THREADS=1 PYTHONPATH=src python scripts/figures/vision/verification_variants.py \
        --steps 600 [--margin 0.35 --margin-kind cosface --width 32 --dim 64 --aug 1.0]
        [--contrastive 1.0 --temperature 0.1 --head-mlp] [--smooth 0.1] [--save net.pt]
        [--load a.pt b.pt]
"""
import argparse
import os
import time

import numpy as np
import torch

from nnlab.data import load_mnist
from nnlab.vision.contrastive import embed_ensemble
from nnlab.vision.verification import (EmbeddingNet, choose_threshold, embed, make_pairs,
                                       pretrain_softmax, subclass_labels, verification_roc)

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
ap.add_argument("--contrastive", type=float, default=0.0, help="NT-Xent weight (SimCLR)")
ap.add_argument("--temperature", type=float, default=0.1)
ap.add_argument("--head-mlp", action="store_true", help="NT-Xent on a projection head")
ap.add_argument("--smooth", type=float, default=0.0, help="label smoothing")
ap.add_argument("--tta", action="store_true", help="also score test-time shifts of 2 px")
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--cpu-minutes", type=float, default=10.0)
ap.add_argument("--save", default=None)
ap.add_argument("--load", nargs="+", default=None, help="evaluate (an ensemble of) saved nets")
a = ap.parse_args()
torch.set_num_threads(1)
(xtr, ytr), (xte, yte) = load_mnist()
xtr, xte = (torch.from_numpy(x).float()[..., None] / 255 for x in (xtr, xte))
ytr, yte = (torch.from_numpy(y.astype(np.int64)) for y in (ytr, yte))
c0, t0 = time.process_time(), time.time()
arch = dict(width=a.width, dim=a.dim, head=a.head)
if a.load:
    models = []
    for path in a.load:
        saved = torch.load(path)
        net = EmbeddingNet(**saved.get("arch", dict(width=32, dim=64, head="flatten")))
        net.load_state_dict(saved["state"] if "state" in saved else saved)
        models.append(net.eval())
else:
    labels = ytr[ytr <= 6]
    if a.subclusters > 1:
        labels = subclass_labels(xtr[ytr <= 6], labels, a.subclusters, a.seed)
    models = [pretrain_softmax(xtr[ytr <= 6], labels, steps=a.steps, batch_size=a.batch,
                               scale=a.scale, margin=a.margin, margin_kind=a.margin_kind,
                               augment_strength=a.aug, rotations=a.rot, seed=a.seed,
                               contrastive_weight=a.contrastive, temperature=a.temperature,
                               projection_head=a.head_mlp,
                               label_smoothing=a.smooth, log_every=200,
                               cpu_budget=60 * a.cpu_minutes, **arch)]
cpu, wall = time.process_time() - c0, time.time() - t0
if a.save:
    torch.save({"arch": arch, "state": models[0].state_dict()}, a.save)
for tta in ((0, 2) if a.tta else (0,)):
    res = []
    for sel, seed in ((yte <= 6, 1), (yte >= 7, 2)):
        pairs, same = make_pairs(yte[sel].numpy(), 4000, seed)
        xs = xte[sel][torch.from_numpy(pairs.reshape(-1))]
        e = embed(models[0], xs, tta_shift=tta) if len(models) == 1 else embed_ensemble(models, xs)
        e = e.reshape(4000, 2, -1)
        res.append(((e[:, 0] - e[:, 1]).norm(dim=-1).numpy(), same, yte[sel].numpy()[pairs]))
    thr, acc_seen = choose_threshold(*res[0][:2])
    d, same, digits = res[1]
    wrong = (d <= thr) != same
    acc, auc = 1 - float(np.mean(wrong)), verification_roc(d, same)[3]
    kinds = [tuple(sorted(p)) for p in digits]
    errs = " ".join(f"{i}-{j}:{np.mean([w for w, k in zip(wrong, kinds) if k == (i, j)]):.3f}"
                    for i in (7, 8, 9) for j in (7, 8, 9) if i <= j)
    print(f"{ {k: v for k, v in vars(a).items() if v not in (None, False)} } "
          f"train {cpu:.0f} s CPU {wall:.0f} s wall load {os.getloadavg()[0]:.1f} "
          f"| tta {tta}: seen {acc_seen:.4f} unseen {acc:.4f} "
          f"best {choose_threshold(d, same)[1]:.4f} AUC {auc:.4f} | errors {errs}", flush=True)
