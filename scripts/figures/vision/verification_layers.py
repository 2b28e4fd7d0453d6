"""Issue 25, third round's diagnosis of a net saved by ``verification_variants.py --save``:
unseen 7-9 pair accuracy (threshold from 0-6 pairs), best-threshold accuracy, AUC and error
rate per digit pair for features at every depth of the net (raw pixels for reference), and
which training-class centroid each unseen digit's embedding is nearest.

    OMP_NUM_THREADS=1 PYTHONPATH=src python scripts/figures/vision/verification_layers.py net.pt
"""
import sys

import numpy as np
import torch
import torch.nn.functional as F

from nnlab.data import load_mnist
from nnlab.vision.verification import (EmbeddingNet, choose_threshold, embed, make_pairs,
                                       verification_roc)

torch.set_num_threads(1)
_, (xte, yte) = load_mnist()
xte = torch.from_numpy(xte).float()[..., None] / 255
yte = torch.from_numpy(yte.astype(np.int64))
saved = torch.load(sys.argv[1])
net = EmbeddingNet(**saved.get("arch", {}))
net.load_state_dict(saved.get("state", saved))
net.eval()


def features(x):
    """{name: (N, features)} at the pools, the hidden layer and the embedding."""
    h, out = x.permute(0, 3, 1, 2), {"pixels": x.flatten(1)}
    for i, m in enumerate(net.net):
        h = m(h)
        if isinstance(m, (torch.nn.MaxPool2d, torch.nn.Linear)) or i == len(net.net) - 2:
            out[f"{i}:{type(m).__name__}"] = h.flatten(1)
    return out


res = {}
with torch.no_grad():
    for sel, seed in ((yte <= 6, 1), (yte >= 7, 2)):
        pairs, same = make_pairs(yte[sel].numpy(), 4000, seed)
        for k, f in features(xte[sel][torch.from_numpy(pairs.reshape(-1))]).items():
            e = F.normalize(f, dim=-1).reshape(4000, 2, -1)
            res.setdefault(k, []).append(((e[:, 0] - e[:, 1]).norm(dim=-1).numpy(), same,
                                          yte[sel].numpy()[pairs]))
for k, (seen, (d, same, digits)) in res.items():
    thr, acc_seen = choose_threshold(*seen[:2])
    wrong, kinds = (d <= thr) != same, [tuple(sorted(p)) for p in digits]
    errs = " ".join(f"{i}-{j}:{np.mean([w for w, q in zip(wrong, kinds) if q == (i, j)]):.2f}"
                    for i in (7, 8, 9) for j in (7, 8, 9) if i <= j)
    print(f"{k:16s} seen {acc_seen:.3f} unseen {1 - wrong.mean():.3f} best "
          f"{choose_threshold(d, same)[1]:.3f} AUC {verification_roc(d, same)[3]:.3f} | {errs}")
e = embed(net, xte)
centre = F.normalize(torch.stack([e[yte == c].mean(0) for c in range(10)]), dim=-1)
for c in (7, 8, 9):
    near = np.bincount((e[yte == c] @ centre[:7].T).argmax(1).numpy(), minlength=7)
    print(f"digit {c}: nearest 0-6 centroid {np.round(near / near.sum(), 2).tolist()}; "
          "cosine to the 7, 8, 9 centroids "
          + " ".join(f"{v:.2f}" for v in (centre[c] @ centre[7:].T).tolist()))
