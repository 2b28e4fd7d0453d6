"""Papernot et al. 2017's black-box attack on real MNIST: a substitute trained from the
oracle's labels alone (150 seed images, Jacobian augmentation), then FGSM on it, scored on
the oracle. ``OMP_NUM_THREADS=1 PYTHONPATH=src python examples/blackbox_substitute_mnist.py
[--oracle-cache /tmp/oracle.pt] [--oracle cnn|mlp|wong] [--ensemble 3 --temperature 10]``

The oracle, trained here on the 60k training images (``--oracle-epochs``, at most
``--cpu-minutes`` CPU): by default cleverhans' mnist_blackbox oracle (the authors' library
reproducing the paper); ``cnn``/``mlp``: the lectures' nets, ``wong``: Wong et al.'s. The
attacker sees only its labels: the last 150 test images as seed, ``--rounds`` of Jacobian
augmentation, step ``--lam`` (sign flipped every ``--tau`` rounds; 0: never), FGSM ``--eps``
with the true labels; scored on the first ``--n-eval`` test images (default: all but the
seed): the share the oracle misclassifies, also of those it got right. Beyond the paper:
``--ensemble K`` (K x the queries, logits averaged), ``--temperature T`` (logits / T).
"""
import argparse
import os
import time

import torch

import nnlab
from nnlab import adversarial as adv
from nnlab.callbacks import LambdaCallback, LearningRateScheduler
from nnlab.layers import Average, Conv2D, Dense, Flatten, MaxPooling2D, Rescaling

ORACLES = {"cleverhans": adv.cleverhans_mnist_cnn, "cnn": adv.lecture_mnist_cnn,
           "mlp": adv.lecture_mnist_mlp, "wong": adv.wong_mnist_cnn}
p = argparse.ArgumentParser()
p.add_argument("--cpu-minutes", type=float, default=6.0, help="CPU budget of the oracle")
p.add_argument("--oracle-epochs", type=int, default=6)
p.add_argument("--oracle-cache", default=None, help="load/save the oracle's weights here")
p.add_argument("--oracle", choices=list(ORACLES), default="cleverhans")
p.add_argument("--substitute", choices=["papernot", "mlp"], default="papernot")
p.add_argument("--rounds", type=int, default=6)
p.add_argument("--lam", type=float, default=0.1)
p.add_argument("--tau", type=int, default=3, help="flip lambda's sign every tau rounds (0: never)")
p.add_argument("--sub-epochs", type=int, default=10)
p.add_argument("--sub-lr", type=float, default=1e-3)
p.add_argument("--eps", type=float, default=0.3)
p.add_argument("--temperature", type=float, default=1.0, help="FGSM on logits / T (beyond)")
p.add_argument("--n-eval", type=int, default=9850, help="first n test images (<= 9850)")
p.add_argument("--ensemble", type=int, default=1, help="substitutes (beyond the paper)")
p.add_argument("--seed", type=int, default=0)
p.add_argument("--png", default=None, help="draw 8 test images, their FGSM images, oracle labels")


def substitute_net(kind):
    """papernot: 3x3 convs (32, 64), 2x2 max pools, FC 200, 200; mlp: the FC layers only."""
    convs = [] if kind == "mlp" else [Conv2D(32, 3, activation="relu"), MaxPooling2D(2), Conv2D(
        64, 3, activation="relu"), MaxPooling2D(2)]
    return nnlab.Sequential([nnlab.Input((28, 28, 1)), *convs, Flatten(), Dense(
        200, activation="relu"), Dense(200, activation="relu"), Dense(10)])


def main(a):
    torch.set_num_threads(1)
    nnlab.set_seed(a.seed)
    (x, y), (xt, yt) = adv.mnist_tensors()
    c0, t0 = time.process_time(), time.time()
    oracle = ORACLES[a.oracle]()
    if a.oracle_cache and os.path.exists(a.oracle_cache):
        oracle(x[:1])
        oracle.load_state_dict(torch.load(a.oracle_cache))
    else:
        stop = LambdaCallback(on_epoch_end=lambda e, logs=None: setattr(
            oracle, "stop_training", time.process_time() - c0 >= 60 * a.cpu_minutes))
        drop = LearningRateScheduler(lambda e: 1e-3 if e < a.oracle_epochs - 2 else 1e-4)
        oracle.fit(x, y, batch_size=100, epochs=a.oracle_epochs, verbose=0, callbacks=[stop, drop])
        if a.oracle_cache:
            torch.save(oracle.state_dict(), a.oracle_cache)
    print(f"oracle {a.oracle}: test accuracy "
          f"{float((adv.predict_labels(oracle, xt) == yt).float().mean()):.4f}; "
          f"{time.process_time() - c0:.0f} s CPU, {time.time() - t0:.0f} s wall")
    nnlab.set_seed(a.seed)   # the same substitute whether the oracle was trained or cached
    c1, t1 = time.process_time(), time.time()
    inp, subs, queries = nnlab.Input((28, 28, 1)), [], 0
    for k in range(a.ensemble):   # Papernot's: the seed is disjoint from the scored images
        subs.append(substitute_net(a.substitute))
        jda = adv.JacobianAugmentation(lambda v: adv.predict_labels(oracle, v), subs[-1],
                                       rounds=a.rounds, lam=a.lam, tau=a.tau or None,
                                       epochs=a.sub_epochs, lr=a.sub_lr, seed=a.seed + 1000 * k)
        jda.fit(xt[-150:])
        queries += jda.queries_
    sub = subs[0] if a.ensemble == 1 else nnlab.Model(inp, Average()([m(inp) for m in subs]))
    xe, ye = xt[:min(a.n_eval, 9850)], yt[:min(a.n_eval, 9850)]
    sub_acc = float((adv.predict_labels(sub, xe) == ye).float().mean())
    print(f"substitute: {queries} oracle queries, last rounds (size, agreement) "
          f"{[(n, round(g, 3)) for n, g in jda.history_]}; test accuracy {sub_acc:.4f}; "
          f"{time.process_time() - c1:.0f} s CPU, {time.time() - t1:.0f} s wall")
    sub = sub if a.temperature == 1 else nnlab.Model(inp, Rescaling(1 / a.temperature)(sub(inp)))
    r = adv.transfer_attack(oracle, adv.FGSM(sub, a.eps), xe, ye)
    print(f"FGSM eps {a.eps} on the substitute: oracle accuracy "
          f"{r['oracle_clean_accuracy']:.4f} -> {r['oracle_adversarial_accuracy']:.4f}; "
          f"misclassified by the oracle {1 - r['oracle_adversarial_accuracy']:.2%} of all, "
          f"{r['transfer_success']:.2%} of those it got right; total "
          f"{time.process_time() - c0:.0f} s CPU, {time.time() - t0:.0f} s wall")
    if a.png:   # the oracle's labels above each clean and adversarial image
        x8 = xe[:8]
        x8_adv = adv.FGSM(sub, a.eps)(x8, ye[:8])
        adv.plot_adversarial_grid(x8, x8_adv, a.png, labels=ye[:8],
                                  preds=adv.predict_labels(oracle, x8),
                                  adv_preds=adv.predict_labels(oracle, x8_adv),
                                  names=("clean", "FGSM on the substitute"))
    return r, sub_acc


if __name__ == "__main__":
    main(p.parse_args())
