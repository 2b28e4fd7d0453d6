"""Triplet-loss verification: train on MNIST digits 0-6, verify pairs of unseen digits 7-9.

    PYTHONPATH=src python examples/vision_verification.py     (about 1 CPU minute)
"""
import matplotlib
import numpy as np
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from nnlab.data import load_mnist  # noqa: E402
from nnlab.vision.verification import (choose_threshold, embed, make_pairs,  # noqa: E402
                                       train_embedding, verification_roc)

(xtr, ytr), (xte, yte) = load_mnist()
xtr, xte = (torch.from_numpy(x).float()[..., None] / 255 for x in (xtr, xte))
ytr, yte = (torch.from_numpy(y.astype(np.int64)) for y in (ytr, yte))
torch.set_num_threads(1)
# 100 batch-all warm-up steps, then semi-hard mining; P x K = 7 classes x 16 images
model = train_embedding(xtr[ytr <= 6], ytr[ytr <= 6], steps=300, warmup_steps=100,
                        mining="semi_hard", margin=0.2, log_every=100)


def distances(x, y, n, seed):
    pairs, same = make_pairs(y.numpy(), n, seed)
    e = embed(model, x[torch.from_numpy(pairs.reshape(-1))]).reshape(n, 2, -1)
    return (e[:, 0] - e[:, 1]).norm(dim=-1).numpy(), same


# threshold on unseen classes from MNIST-train images, reported on MNIST-test images
d_val, s_val = distances(xtr[ytr >= 7], ytr[ytr >= 7], 4000, 1)
threshold, _ = choose_threshold(d_val, s_val)
d, same = distances(xte[yte >= 7], yte[yte >= 7], 4000, 2)
fpr, tpr, _, auc = verification_roc(d, same)
print(f"threshold {threshold:.3f}: accuracy {np.mean((d <= threshold) == same):.4f}, "
      f"AUC {auc:.4f}")
plt.figure(figsize=(4, 4))
plt.plot(fpr, tpr)
plt.plot([0, 1], [0, 1], "k:")
plt.xlabel("false accept rate")
plt.ylabel("true accept rate")
plt.title(f"digits 7-9, never trained on (AUC {auc:.3f})")
plt.tight_layout()
plt.savefig("roc.png", dpi=80)
print("wrote roc.png")
