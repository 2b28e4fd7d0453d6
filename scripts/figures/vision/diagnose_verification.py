"""Where does unseen-class verification fail? 300-step triplet runs on MNIST digits 0-6,
scored on pairs of unseen 7-9 (threshold on train images, accuracy on test images) with
features taken at three depths of the trained net, for two margins and three minings.

    OMP_NUM_THREADS=1 PYTHONPATH=src python scripts/figures/vision/diagnose_verification.py
"""
import time

import numpy as np
import torch
import torch.nn.functional as F

from nnlab.data import load_mnist
from nnlab.vision.verification import (choose_threshold, make_pairs, train_embedding,
                                       verification_roc)

torch.set_num_threads(1)
(xtr, ytr), (xte, yte) = load_mnist()
xtr = torch.from_numpy(xtr).float().reshape(-1, 28, 28, 1) / 255
xte = torch.from_numpy(xte).float().reshape(-1, 28, 28, 1) / 255
ytr, yte = torch.from_numpy(ytr.astype(np.int64)), torch.from_numpy(yte.astype(np.int64))


def ev(f, name):
    res = []
    for x, y, seed in ((xtr[ytr >= 7], ytr[ytr >= 7], 1), (xte[yte >= 7], yte[yte >= 7], 2)):
        pairs, same = make_pairs(y.numpy(), 4000, seed)
        with torch.no_grad():
            e = F.normalize(f(x[torch.from_numpy(pairs.reshape(-1))]).flatten(1), dim=-1)
        e = e.reshape(4000, 2, -1)
        res.append(((e[:, 0] - e[:, 1]).norm(dim=-1).numpy(), same))
    t, _ = choose_threshold(*res[0])
    d, s = res[1]
    print(name, "acc", np.mean((d <= t) == s).round(4), "auc",
          round(verification_roc(d, s)[3], 4), flush=True)


ev(lambda x: x, "raw pixels")
for margin, mining in ((0.2, "semi_hard"), (1.0, "semi_hard"), (0.2, "batch_all"),
                       (0.2, "batch_hard")):
    c = time.process_time()
    m = train_embedding(xtr[ytr <= 6], ytr[ytr <= 6], steps=300, warmup_steps=100,
                        margin=margin, mining=mining)
    print(mining, margin, "cpu", round(time.process_time() - c))
    net = m.net
    ev(lambda x: m(x), f"{mining} m{margin} 64-d embedding")
    ev(lambda x: net[:-1](x.permute(0, 3, 1, 2)), f"{mining} m{margin} 128-d dense")
    ev(lambda x: net[:15](x.permute(0, 3, 1, 2)), f"{mining} m{margin} flattened conv map")
