"""Triplet embedding on MNIST digits 0-6; verify pairs of unseen digits 7-9."""
import os
import sys
import time

import numpy as np
import torch

from nnlab.data import load_mnist
from nnlab.vision.verification import (choose_threshold, embed, make_pairs, train_embedding,
                                       verification_roc)

epochs, mining = int(sys.argv[1]), sys.argv[2]
margin = float(sys.argv[3]) if len(sys.argv) > 3 else 0.2
torch.set_num_threads(1)
(xtr, ytr), (xte, yte) = load_mnist()
xtr = torch.from_numpy(xtr).float()[..., None] / 255
xte = torch.from_numpy(xte).float()[..., None] / 255
ytr, yte = torch.from_numpy(ytr.astype(np.int64)), torch.from_numpy(yte.astype(np.int64))
seen = ytr <= 6
t0 = time.time()
model = train_embedding(xtr[seen], ytr[seen], epochs=epochs, mining=mining,
                        margin=margin, verbose=True)
print(f"train {time.time() - t0:.0f}s load {os.getloadavg()}")


def dist(x, y, n, seed):
    pairs, same = make_pairs(y.numpy(), n, seed)
    e = embed(model, x[torch.from_numpy(pairs.reshape(-1))]).reshape(n, 2, -1)
    return (e[:, 0] - e[:, 1]).norm(dim=-1).numpy(), same


val = ytr >= 7   # unseen classes, MNIST-train images (never trained on): pick threshold
d_val, s_val = dist(xtr[val], ytr[val], 4000, 1)
t, acc_val = choose_threshold(d_val, s_val)
test = yte >= 7  # unseen classes, MNIST-test images: report
d, s = dist(xte[test], yte[test], 4000, 2)
fpr, tpr, _, auc = verification_roc(d, s)
print(f"{mining}: threshold {t:.3f} (val acc {acc_val:.4f}); test acc "
      f"{np.mean((d <= t) == s):.4f} AUC {auc:.4f}")
np.savez("/tmp/vision_roc.npz", fpr=fpr, tpr=tpr)
