"""FGSM adversarial training with a random start at eps 0.3 on MNIST, with Wong, Rice &
Kolter 2020's early-stop check against catastrophic overfitting.

    OMP_NUM_THREADS=1 PYTHONPATH=src python examples/fgsm_early_stop_mnist.py \
        --cpu-minutes 10 --png fgsm_early_stop.png

Wong et al.'s MNIST CNN is trained on FGSM-RS examples (eps 0.3 after a ``--warmup``
ramp 0.1 / 0.2 / 0.3 over the first epochs, step ``--alpha`` x eps). Every ``--every`` batches :class:`nnlab.adversarial.RobustEarlyStopping`
attacks 500 held-out training images with PGD (eps 0.3, 5 steps of 0.1) and stops, going
back to the weights of the best check (``--against best``; Wong et al. compare with the
previous check: ``--against previous``), when that robust accuracy falls by more than 0.2. ``--no-stop`` keeps training through the collapse (the same checks, for the curve).
Training also stops after the epoch that spends ``--cpu-minutes`` (``time.process_time``).
"""
import argparse
import os
import time

import torch

import nnlab
from nnlab import adversarial as adv
from nnlab.callbacks import LambdaCallback

p = argparse.ArgumentParser()
p.add_argument("--cpu-minutes", type=float, default=10.0)
p.add_argument("--epochs", type=int, default=5)
p.add_argument("--alpha", type=float, default=1.25, help="FGSM-RS step in units of eps")
p.add_argument("--warmup", type=int, default=3, help="epochs of the eps ramp 0.1 -> 0.3 "
               "(the FGSM-RS step follows as alpha x eps); 0: eps 0.3 from the start")
p.add_argument("--every", type=int, default=50, help="training batches between checks")
p.add_argument("--against", choices=["previous", "best"], default="best",
               help="compare each check with the previous one (Wong et al.) or the best")
p.add_argument("--no-stop", action="store_true", help="record the checks, never stop")
p.add_argument("--n-test", type=int, default=1000, help="test images for PGD-40")
p.add_argument("--png", default=None)
p.add_argument("--seed", type=int, default=0)




def plot(check, per_epoch, path, stopped, against="best"):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    xs = [e * per_epoch + (per_epoch if b is None else b + 1) for e, b in check.checks_]
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(xs, check.history_, "o-", ms=3, label="PGD-5 accuracy, held-out batch")
    if stopped is not None:
        ax.axvline(xs[stopped], color="r", ls=":", label="stop; back to the weights of the "
                   + ("best check" if against == "best" else "check before"))
    ax.set_xlabel("training batches (FGSM-RS, eps 0.3)")
    ax.set_ylabel("robust accuracy")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)


def main(a):
    torch.set_num_threads(1)
    nnlab.set_seed(a.seed)
    (x, y), (xt, yt) = adv.mnist_tensors()
    x_chk, y_chk, x, y = x[-500:], y[-500:], x[:-500], y[:-500]   # held out of training
    c0, t0 = time.process_time(), time.time()
    model = adv.wong_mnist_cnn()
    model(x[:1])
    attack = adv.FGSM(model, 0.3, random_start=True,   # alpha None: 1.25 x the current eps
                      alpha=None if a.alpha == 1.25 else a.alpha * 0.3)
    check = adv.RobustEarlyStopping(adv.PGD(model, 0.3, alpha=0.1, steps=5), x_chk, y_chk,
                                    drop=1.01 if a.no_stop else 0.2, every=a.every,
                                    against=a.against)
    budget = LambdaCallback(on_epoch_end=lambda e, logs=None: setattr(
        model, "stop_training", model.stop_training or time.process_time() - c0 >= 60 * a.cpu_minutes))
    ramp = None if not a.warmup else (lambda e: 0.3 * min(1.0, (e + 1) / a.warmup))
    model.fit(x, y, batch_size=100, epochs=a.epochs, verbose=0,
              callbacks=[adv.AdversarialTraining(attack, eps_schedule=ramp), check, budget])
    cpu, wall = time.process_time() - c0, time.time() - t0
    where = "no stop" if check.stopped_at_ is None else f"stopped at check {check.stopped_at_} " \
        f"(epoch {check.checks_[check.stopped_at_][0] + 1})"
    print(f"FGSM-RS eps 0.3 alpha {a.alpha} eps: {len(check.history_)} checks, {where}; "
          f"checks {[round(v, 3) for v in check.history_]}; {cpu:.0f} s CPU, {wall:.0f} s wall, "
          f"load {tuple(round(v, 1) for v in os.getloadavg())}")
    xe, ye = xt[:a.n_test], yt[:a.n_test]
    clean = adv.robust_accuracy(model, xe, ye)
    fgsm = adv.robust_accuracy(model, xe, ye, adv.FGSM(model, 0.3))
    pgd = adv.robust_accuracy(model, xe, ye, adv.PGD(model, 0.3, alpha=0.01, steps=40))
    print(f"final weights on the first {a.n_test} test images: clean {clean:.4f}, FGSM 0.3 "
          f"{fgsm:.4f}, PGD-40 0.3 {pgd:.4f}")
    if a.png:
        plot(check, -(-len(x) // 100), a.png, check.stopped_at_, a.against)
    return check, {"clean": clean, "fgsm": fgsm, "pgd40": pgd}


if __name__ == "__main__":
    main(p.parse_args())
