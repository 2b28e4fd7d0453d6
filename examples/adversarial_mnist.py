"""Adversarial examples on real MNIST: attacks, a black-box transfer attack, adversarial training.

    python examples/adversarial_mnist.py          (a few minutes: 5k images; PNGs in the cwd)
    python examples/adversarial_mnist.py --full --only normal|robust [--adv fgsm-rs|pgd]
"""
import argparse
import time

import torch

import nnlab
from nnlab import adversarial as adv
from nnlab.callbacks import LearningRateScheduler
from nnlab.layers import Conv2D, Dense, Flatten, MaxPooling2D

p = argparse.ArgumentParser()
p.add_argument("--full", action="store_true")  # 60k training images, longer runs
p.add_argument("--only", choices=["normal", "robust"])
p.add_argument("--adv", choices=["fgsm-rs", "pgd"], default="fgsm-rs")
p.add_argument("--adv-epochs", type=int, default=6)
p.add_argument("--alpha", type=float, default=1.25)  # FGSM-RS step, in units of eps
a = p.parse_args()
nnlab.set_seed(0)
(x_train, y_train), (x_test, y_test) = adv.mnist_tensors()
epochs, n = (8, 60000) if a.full else (2, 5000)
x_train, y_train, a.adv_epochs = x_train[:n], y_train[:n], a.adv_epochs if a.full else 2
xe, ye = x_test[:1000 if a.full else 200], y_test[:1000 if a.full else 200]
x_rep, y_rep = (x_test, y_test) if a.full else (xe, ye)  # clean and FGSM accuracy on these
pgd40 = lambda m, steps=40, **kw: adv.PGD(m, 0.3, alpha=0.01, steps=steps, **kw)  # noqa: E731  Madry's test attack




def report(name, model):  # clean, FGSM and PGD-40 accuracy, and the curve PNG
    t = time.time()
    print(f"[{name}] clean {adv.robust_accuracy(model, x_rep, y_rep):.4f}", end="")
    for eps in (0.1, 0.2, 0.3):
        print(f"  FGSM {eps}: {adv.robust_accuracy(model, x_rep, y_rep, adv.FGSM(model, eps)):.4f}", end="")
    pgd = adv.robust_accuracy(model, xe, ye, pgd40(model))
    print(f"  PGD-40 0.3 (first {len(xe)}): {pgd:.4f}  ({time.time() - t:.0f}s)")
    adv.robustness_curve(model, xe[:200], ye[:200], [0, 0.1, 0.2, 0.3], path=f"curve_{name}.png")


def normal_part():
    t0, model = time.time(), adv.wong_mnist_cnn()
    drop = LearningRateScheduler(lambda e: 1e-3 if e < epochs - 2 else 1e-4)
    model.fit(x_train, y_train, batch_size=100, epochs=epochs, verbose=0, callbacks=[drop])
    print(f"normal training: {epochs} epochs in {time.time() - t0:.0f}s")
    report("normal", model)
    x_adv = pgd40(model)(xe[:8], ye[:8])  # clean / adversarial / perturbation grid
    adv.plot_adversarial_grid(xe[:8], x_adv, "grid_pgd.png", labels=ye[:8],
                              adv_preds=adv.predict_labels(model, x_adv))
    x_t = pgd40(model, targeted=True, steps=100)(xe, (ye + 1) % 10)
    print(f"targeted PGD-100 eps 0.3, target y+1: success "
          f"{(adv.predict_labels(model, x_t) == (ye + 1) % 10).float().mean():.4f}")
    fool, noise = adv.FoolingImage(model, steps=300), adv.noise_images(10, (28, 28, 1))
    x_f = fool(noise, torch.arange(10))
    print(f"fooling images from noise: {int(fool.reached.sum())}/10 reached p >= 0.99")
    adv.plot_adversarial_grid(noise, x_f, "fooling.png", max_images=10, names=("noise", "fooling"),
                              adv_preds=adv.predict_labels(model, x_f))
    t = time.time()  # black box = `model`; the attacker sees its labels only
    substitute = nnlab.Sequential([  # Papernot's substitute: a small CNN of its own design
        Conv2D(32, 3, activation="relu", input_shape=(28, 28, 1)), MaxPooling2D(2), Flatten(),
        Dense(200, activation="relu"), Dense(10)])
    jda = adv.JacobianAugmentation(model, substitute, rounds=6 if a.full else 4, lam=0.1, epochs=10)
    jda.fit(x_test[-150:])  # Papernot's 150 seed images, disjoint from the evaluation set
    for eps in (0.2, 0.3):
        r = adv.transfer_attack(model, adv.FGSM(substitute, eps), xe, ye)
        print(f"transfer FGSM eps {eps}: success {r['transfer_success']:.4f} (black box "
              f"{r['oracle_clean_accuracy']:.4f} -> {r['oracle_adversarial_accuracy']:.4f}; "
              f"{jda.queries_} queries, {time.time() - t:.0f}s)")


def robust_part():  # adversarial training, then the same report
    t, robust = time.time(), adv.wong_mnist_cnn()
    if a.adv == "pgd":  # Madry et al. with 7 steps (not 40): alpha = 2.5 eps / steps
        attack = adv.PGD(robust, 0.3, alpha=0.75 / 7, steps=7)
    else:  # Wong et al. 2020: FGSM from a random start, alpha = 1.25 eps
        attack = adv.FGSM(robust, 0.3, random_start=True, alpha=a.alpha * 0.3)
    ramp = lambda e: 0.3 * min(1.0, (e + 1) / 3)  # noqa: E731  eps 0.1, 0.2, then 0.3
    robust.fit(x_train, y_train, batch_size=100, epochs=a.adv_epochs, verbose=0,
               callbacks=[adv.AdversarialTraining(attack, eps_schedule=ramp)])
    print(f"{attack} adversarial training: {a.adv_epochs} epochs in {time.time() - t:.0f}s")
    report(a.adv, robust)


normal_part() if a.only != "robust" else None
robust_part() if a.only != "normal" else None
