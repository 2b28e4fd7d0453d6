"""Adversarial examples on real MNIST: attacks, a transfer attack, adversarial training.

    python examples/adversarial_mnist.py                 (the figures in docs/adversarial.md)
    python examples/adversarial_mnist.py --quick         (a minute: small subsets)
"""
import argparse
import time

import torch

import nnlab
from nnlab import adversarial as adv
from nnlab.callbacks import LearningRateScheduler
from nnlab.data import load_mnist
from nnlab.layers import Conv2D, Dense, Flatten

p = argparse.ArgumentParser()
p.add_argument("--epochs", type=int, default=8)         # normal training
p.add_argument("--adv", choices=["fgsm-rs", "pgd"], default="fgsm-rs")
p.add_argument("--adv-epochs", type=int, default=6)     # adversarial training epochs
p.add_argument("--adv-steps", type=int, default=7)      # PGD steps in training
p.add_argument("--ramp", type=int, default=2)           # epochs of eps warm-up
p.add_argument("--n-eval", type=int, default=1000)      # test images for PGD-40
p.add_argument("--out", default=".")
p.add_argument("--quick", action="store_true")
p.add_argument("--only", choices=["normal", "robust"])  # run one half (two processes)
a = p.parse_args()
nnlab.set_seed(0)
(x_train, y_train), (x_test, y_test) = load_mnist()
x_train = torch.tensor(x_train.reshape(-1, 28, 28, 1) / 255.0, dtype=torch.float32)
x_test = torch.tensor(x_test.reshape(-1, 28, 28, 1) / 255.0, dtype=torch.float32)
y_train, y_test = torch.tensor(y_train).long(), torch.tensor(y_test).long()
if a.quick:
    x_train, y_train, a.epochs, a.adv_epochs, a.n_eval = x_train[:5000], y_train[:5000], 2, 2, 200
xe, ye = x_test[:a.n_eval], y_test[:a.n_eval]


def cnn():  # Wong et al.'s MNIST net: the lecture CNN with strided convs, a bit wider
    model = nnlab.Sequential([
        Conv2D(16, 4, strides=2, padding="same", activation="relu", input_shape=(28, 28, 1)),
        Conv2D(32, 4, strides=2, padding="same", activation="relu"), Flatten(),
        Dense(100, activation="relu"), Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def pgd40(model, eps=0.3, steps=40, **kw):  # Madry et al.'s MNIST evaluation attack
    return adv.PGD(model, eps=eps, alpha=0.01, steps=steps, **kw)


def report(name, model):  # clean, FGSM, PGD-40 accuracy and the curve PNG
    t = time.time()
    print(f"[{name}] clean {adv.robust_accuracy(model, x_test, y_test):.4f}", end="")
    for eps in (0.1, 0.2, 0.3):
        print(f"  FGSM {eps}: {adv.robust_accuracy(model, x_test, y_test, adv.FGSM(model, eps)):.4f}",
              end="")
    pgd = adv.robust_accuracy(model, xe, ye, pgd40(model))
    print(f"  PGD-40 0.3 (first {len(xe)}): {pgd:.4f}  ({time.time() - t:.0f}s)")
    adv.robustness_curve(model, xe[:200], ye[:200], [0, 0.1, 0.2, 0.3],
                         path=f"{a.out}/curve_{name}.png", title=f"{name} model (200 test images)")
    return pgd


def normal_part():
    t0 = time.time()
    model = cnn()
    drop = LearningRateScheduler(lambda e: 1e-3 if e < a.epochs - 2 else 1e-4)
    model.fit(x_train, y_train, batch_size=100, epochs=a.epochs, verbose=0, callbacks=[drop])
    print(f"normal training: {a.epochs} epochs in {time.time() - t0:.0f}s")
    report("normal", model)
    x_adv = pgd40(model)(xe[:8], ye[:8])
    adv.plot_adversarial_grid(xe[:8], x_adv, f"{a.out}/grid_pgd.png", labels=ye[:8],
                              preds=adv.predict_labels(model, xe[:8]),
                              adv_preds=adv.predict_labels(model, x_adv))
    target = (ye + 1) % 10
    x_t = pgd40(model, targeted=True, steps=100)(xe, target)
    hit = (adv.predict_labels(model, x_t) == target).float().mean()
    print(f"targeted PGD-100 eps 0.3, target y+1: success {hit:.4f}")
    fool = adv.FoolingImage(model, steps=300)
    x_f = fool(adv.noise_images(10, (28, 28, 1)), torch.arange(10))
    print(f"fooling images from noise: {int(fool.reached.sum())}/10 reached p >= 0.99 "
          f"in {fool.steps_taken} steps")
    adv.plot_adversarial_grid(adv.noise_images(10, (28, 28, 1)), x_f, f"{a.out}/fooling.png",
                              adv_preds=adv.predict_labels(model, x_f), max_images=10)
    t = time.time()  # black box = `model`; the attacker sees its labels only
    substitute = nnlab.Sequential([Flatten(input_shape=(28, 28, 1)),
                                   Dense(200, activation="relu"), Dense(200, activation="relu"),
                                   Dense(10)])
    jda = adv.JacobianAugmentation(model, substitute, rounds=6, lam=0.1, epochs=10)
    jda.fit(x_test[-150:])  # Papernot's 150 seed images, disjoint from the evaluation set
    print(f"substitute: {jda.queries_} black-box queries, {time.time() - t:.0f}s")
    for eps in (0.2, 0.3):
        r = adv.transfer_attack(model, adv.FGSM(substitute, eps), xe, ye)
        print(f"transfer FGSM eps {eps}: success {r['transfer_success']:.4f} (black box "
              f"{r['oracle_clean_accuracy']:.4f} -> {r['oracle_adversarial_accuracy']:.4f})")


def robust_part():  # adversarial training, then the same report
    t, robust = time.time(), cnn()
    if a.adv == "pgd":  # Madry et al. with fewer steps: alpha = 2.5 eps / steps
        attack = adv.PGD(robust, 0.3, alpha=0.75 / a.adv_steps, steps=a.adv_steps)
    else:  # Wong et al. 2020: FGSM from a random start, alpha = 1.25 eps
        attack = adv.FGSM(robust, 0.3, random_start=True)
    ramp = lambda e: 0.3 * min(1.0, (e + 1) / (a.ramp + 1))  # noqa: E731  eps warm-up
    robust.fit(x_train, y_train, batch_size=100, epochs=a.adv_epochs, verbose=0,
               callbacks=[adv.AdversarialTraining(attack, eps_schedule=ramp)])
    print(f"{attack} adversarial training: {a.adv_epochs} epochs in {time.time() - t:.0f}s")
    report(a.adv, robust)


if a.only != "robust":
    normal_part()
if a.only != "normal":
    robust_part()
