"""Variants of Papernot et al.'s substitute against a cached oracle (docs/adversarial.md,
"Black-box substitute attack", variant table). One substitute recipe per call, over
``--seeds``; each substitute is scored with FGSM eps 0.3 crafted with the true labels and
with the substitute's own predictions (cleverhans' default, y=None).

    OMP_NUM_THREADS=1 PYTHONPATH=src python scripts/figures/adversarial/blackbox_variants.py \
        --oracle mlp --cache /tmp/o_mlp.pt --seeds 0 1 [--sub-epochs 10 --sub-lr 1e-3
        --optimizer adam|sgd --weight-decay 0 --dropout 0 --seed-size 150 --ensemble 1]

The oracle cache comes from ``examples/blackbox_substitute_mnist.py --oracle-cache``.
Scored on the first ``--n-eval`` test images; the seed is the last ``--seed-size`` (disjoint).
"""
import argparse
import os
import runpy
import time

import torch

import nnlab
from nnlab import adversarial as adv
from nnlab.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D

HERE = os.path.dirname(os.path.abspath(__file__))
EX = runpy.run_path(os.path.join(HERE, "..", "..", "..", "examples",
                                 "blackbox_substitute_mnist.py"), run_name="variants")
ap = argparse.ArgumentParser()
ap.add_argument("--oracle", choices=list(EX["ORACLES"]), required=True)
ap.add_argument("--cache", required=True)
ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
ap.add_argument("--seed-size", type=int, default=150)
ap.add_argument("--rounds", type=int, default=6)
ap.add_argument("--tau", type=int, default=3)
ap.add_argument("--sub-epochs", type=int, default=10)
ap.add_argument("--sub-lr", type=float, default=1e-3)
ap.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
ap.add_argument("--weight-decay", type=float, default=0.0)
ap.add_argument("--dropout", type=float, default=0.0, help="after each 200-unit layer")
ap.add_argument("--ensemble", type=int, default=1, help="substitutes averaged (logits)")
ap.add_argument("--n-eval", type=int, default=2000)
ap.add_argument("--temps", type=float, nargs="*", default=[],
                help="also craft true-label FGSM on the substitute's logits / T (extension)")
a = ap.parse_args()
torch.set_num_threads(1)


def substitute(dropout):
    """The paper's architecture A, with optional dropout after the 200-unit layers."""
    drop = (lambda: [Dropout(dropout)]) if dropout else (lambda: [])
    return nnlab.Sequential([
        nnlab.Input((28, 28, 1)), Conv2D(32, 3, activation="relu"), MaxPooling2D(2),
        Conv2D(64, 3, activation="relu"), MaxPooling2D(2), Flatten(),
        Dense(200, activation="relu"), *drop(), Dense(200, activation="relu"), *drop(),
        Dense(10)])


class Tempered(torch.nn.Module):
    """``(batch, ...) -> (batch, classes)``: ``model``'s logits divided by ``t``."""

    def __init__(self, model, t):
        super().__init__()
        self.model, self.t = model, t

    def forward(self, x):
        return self.model(x) / self.t


class MeanLogits(torch.nn.Module):
    """``(batch, ...) -> (batch, classes)``: the mean of the members' logits."""

    def __init__(self, members):
        super().__init__()
        self.members = torch.nn.ModuleList(members)

    def forward(self, x):
        return torch.stack([m(x) for m in self.members]).mean(0)


def optimizer(params):
    if a.optimizer == "sgd":
        return torch.optim.SGD(params, lr=a.sub_lr, momentum=0.9, weight_decay=a.weight_decay)
    return torch.optim.AdamW(params, lr=a.sub_lr, weight_decay=a.weight_decay) \
        if a.weight_decay else torch.optim.Adam(params, lr=a.sub_lr)


(x, _), (xt, yt) = adv.mnist_tensors()
oracle = EX["ORACLES"][a.oracle]()
oracle(x[:1])
saved = torch.load(a.cache)   # layer names count per process: match tensors by order
oracle.load_state_dict(dict(zip(oracle.state_dict().keys(), saved.values())))
xe, ye = xt[:a.n_eval], yt[:a.n_eval]
ok = adv.predict_labels(oracle, xe) == ye
print(f"oracle {a.oracle}: accuracy {float(ok.float().mean()):.4f} on {a.n_eval}; variant "
      f"{vars(a)}", flush=True)
for seed in a.seeds:
    c0, t0 = time.process_time(), time.time()
    members = []
    for k in range(a.ensemble):
        nnlab.set_seed(1000 * k + seed)
        sub = substitute(a.dropout)
        jda = adv.JacobianAugmentation(lambda v: adv.predict_labels(oracle, v), sub,
                                       rounds=a.rounds, tau=a.tau or None, epochs=a.sub_epochs,
                                       lr=a.sub_lr, seed=1000 * k + seed, optimizer=optimizer)
        jda.fit(xt[-a.seed_size:])
        members.append(sub)
    sub = members[0] if a.ensemble == 1 else MeanLogits(members)
    sub_acc = float((adv.predict_labels(sub, xe) == ye).float().mean())
    res = {}
    for label in ["true", "substitute"] + [f"T={t:g}" for t in a.temps]:
        fgsm = adv.FGSM(Tempered(sub, float(label[2:])) if label[0] == "T" else sub, 0.3)
        fooled = []
        for i in range(0, len(xe), 500):
            xb, yb = xe[i:i + 500], ye[i:i + 500]
            lab = adv.predict_labels(sub, xb) if label == "substitute" else yb
            fooled.append(adv.predict_labels(oracle, fgsm(xb, lab)) != yb)
        f = torch.cat(fooled)
        res[label] = (float(f.float().mean()), float(f[ok].float().mean()))
    print(f"seed {seed}: substitute acc {sub_acc:.4f}, queries {jda.queries_} x {a.ensemble}; "
          f"misclassified by the oracle (all / of its correct): true-label FGSM "
          f"{res['true'][0]:.2%} / {res['true'][1]:.2%}, substitute-label FGSM "
          f"{res['substitute'][0]:.2%} / {res['substitute'][1]:.2%}; "
          + "".join(f"{k} FGSM {v[0]:.2%} / {v[1]:.2%}; " for k, v in res.items()
                    if k[0] == "T") +
          f"{time.process_time() - c0:.0f} s CPU, {time.time() - t0:.0f} s wall, "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
