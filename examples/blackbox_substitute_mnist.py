"""Papernot et al. 2017's black-box attack on real MNIST: a substitute trained from the
oracle's labels alone (150 seed images, Jacobian-based augmentation), then FGSM on the
substitute, scored on the oracle.

    OMP_NUM_THREADS=1 PYTHONPATH=src python examples/blackbox_substitute_mnist.py \
        --cpu-minutes 6 [--oracle-cache /tmp/oracle.pt]

The oracle (``--oracle``) is a plain MNIST DNN of the kind the paper attacked: by default
the lectures' CNN (``adv.lecture_mnist_cnn``: 3x3 convs, max pooling, dropout); ``mlp``:
the lectures' 512-512 MLP; ``wong``: Wong et al.'s strided CNN. Trained on the 60k training
images for ``--oracle-epochs`` or ``--cpu-minutes`` of CPU time. The attacker sees only its
labels: the last 150 test images as seed, ``--rounds`` of Jacobian augmentation, step
``--lam`` (sign flipped every ``--tau`` rounds; 0: never), FGSM ``--eps`` on the substitute;
scored: the share of the first ``--n-eval`` test images' adversarial examples the oracle
misclassifies (Papernot's figure), also of those it classified correctly.
"""
import argparse
import os
import time

import torch

import nnlab
from nnlab import adversarial as adv
from nnlab.callbacks import LambdaCallback, LearningRateScheduler
from nnlab.layers import Conv2D, Dense, Flatten, MaxPooling2D

ORACLES = {"cnn": adv.lecture_mnist_cnn, "mlp": adv.lecture_mnist_mlp, "wong": adv.wong_mnist_cnn,
           "cleverhans": adv.cleverhans_mnist_cnn}
p = argparse.ArgumentParser()
p.add_argument("--cpu-minutes", type=float, default=6.0, help="CPU budget of the oracle")
p.add_argument("--oracle-epochs", type=int, default=6)
p.add_argument("--oracle-cache", default=None, help="load/save the oracle's weights here")
p.add_argument("--oracle", choices=list(ORACLES), default="cnn")
p.add_argument("--substitute", choices=["papernot", "mlp"], default="papernot")
p.add_argument("--rounds", type=int, default=6)
p.add_argument("--lam", type=float, default=0.1)
p.add_argument("--tau", type=int, default=3, help="flip lambda's sign every tau rounds (0: never)")
p.add_argument("--sub-epochs", type=int, default=10)
p.add_argument("--sub-lr", type=float, default=1e-3)
p.add_argument("--eps", type=float, default=0.3)
p.add_argument("--n-eval", type=int, default=10000)
p.add_argument("--seed", type=int, default=0)


def substitute_net(kind):
    """papernot: two 3x3 convs (32, 64) with 2x2 max pooling, two 200-unit FC layers;
    mlp: only the FC layers (cleverhans' ModelSubstitute)."""
    convs = [] if kind == "mlp" else [Conv2D(32, 3, activation="relu"), MaxPooling2D(2),
                                      Conv2D(64, 3, activation="relu"), MaxPooling2D(2)]
    return nnlab.Sequential([nnlab.Input((28, 28, 1)), *convs, Flatten(),
                             Dense(200, activation="relu"), Dense(200, activation="relu"),
                             Dense(10)])


def main(a):
    torch.set_num_threads(1)
    nnlab.set_seed(a.seed)
    (x, y), (xt, yt) = adv.mnist_tensors()
    c0, t0 = time.process_time(), time.time()
    oracle = ORACLES[a.oracle]()
    if a.oracle_cache and os.path.exists(a.oracle_cache):
        oracle(x[:1])
        oracle.load_state_dict(torch.load(a.oracle_cache))
        print(f"oracle loaded from {a.oracle_cache}")
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
    c1, t1 = time.process_time(), time.time()
    sub = substitute_net(a.substitute)  # Papernot's: the seed is disjoint from the scored images
    jda = adv.JacobianAugmentation(lambda v: adv.predict_labels(oracle, v), sub,
                                   rounds=a.rounds, lam=a.lam, tau=a.tau or None,
                                   epochs=a.sub_epochs, lr=a.sub_lr, seed=a.seed)
    jda.fit(xt[-150:])
    xe, ye = xt[:a.n_eval], yt[:a.n_eval]
    sub_acc = float((adv.predict_labels(sub, xe) == ye).float().mean())
    print(f"substitute: {jda.queries_} oracle queries, rounds (size, agreement) "
          f"{[(n, round(g, 3)) for n, g in jda.history_]}; test accuracy {sub_acc:.4f}; "
          f"{time.process_time() - c1:.0f} s CPU, {time.time() - t1:.0f} s wall")
    r = adv.transfer_attack(oracle, adv.FGSM(sub, a.eps), xe, ye)
    print(f"FGSM eps {a.eps} on the substitute: oracle accuracy "
          f"{r['oracle_clean_accuracy']:.4f} -> {r['oracle_adversarial_accuracy']:.4f}; "
          f"misclassified by the oracle {1 - r['oracle_adversarial_accuracy']:.2%} of all, "
          f"{r['transfer_success']:.2%} of those it got right; total "
          f"{time.process_time() - c0:.0f} s CPU, {time.time() - t0:.0f} s wall")
    return r, sub_acc


if __name__ == "__main__":
    main(p.parse_args())
