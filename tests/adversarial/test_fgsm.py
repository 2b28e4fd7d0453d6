"""FGSM on a model trained on the real digits: a large, fast accuracy drop."""
import time

import torch

from nnlab.adversarial import FGSM, PGD, robust_accuracy


def test_fgsm_drops_trained_digits_accuracy_by_50_points_in_under_a_second(digits,
                                                                          digits_model):
    _, (x, y) = digits
    clean = robust_accuracy(digits_model, x, y)
    t = time.perf_counter()
    x_adv = FGSM(digits_model, eps=0.3)(x, y)
    elapsed = time.perf_counter() - t
    adv = robust_accuracy(digits_model, x_adv, y)
    assert clean >= 0.93
    assert clean - adv >= 0.50, (clean, adv)
    assert elapsed < 1.0, elapsed


def test_fgsm_rs_is_a_projected_step_and_weaker_eps_drops_less(digits, digits_model):
    _, (x, y) = digits
    torch.manual_seed(0)
    out = FGSM(digits_model, eps=0.1, random_start=True)(x, y)
    assert (out - x).abs().max() <= 0.1 + 1e-6
    acc = [robust_accuracy(digits_model, x, y, FGSM(digits_model, eps=e)) for e in (0.05, 0.3)]
    assert acc[0] > acc[1]
    pgd = robust_accuracy(digits_model, x, y, PGD(digits_model, 0.1, alpha=0.02, steps=10))
    assert pgd <= robust_accuracy(digits_model, x, y, FGSM(digits_model, eps=0.1))
