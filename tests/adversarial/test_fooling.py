"""Fooling images reach any chosen class; targeted PGD hits its targets."""
import pytest
import torch

from nnlab.adversarial import PGD, FoolingImage, noise_images, predict_labels


def test_noise_becomes_every_digit_with_high_confidence(digits_model):
    start = noise_images(10, (8, 8, 1), seed=1)
    fool = FoolingImage(digits_model, alpha=0.02, steps=200, confidence=0.95)
    x = fool(start, torch.arange(10))
    assert fool.reached.all(), fool.reached
    assert torch.equal(predict_labels(digits_model, x), torch.arange(10))
    probs = digits_model(x).detach()
    assert (probs[torch.arange(10), torch.arange(10)] >= 0.95).all()
    assert x.min() >= 0 and x.max() <= 1 and fool.steps_taken <= 200


def test_fooling_stays_in_its_eps_ball_and_stops_early(digits, digits_model):
    _, (x, y) = digits
    fool = FoolingImage(digits_model, eps=0.2, alpha=0.02, steps=50, confidence=0.5)
    out = fool(x[:20], y[:20])  # already the predicted class: stops at once for most
    assert (out - x[:20]).abs().max() <= 0.2 + 1e-6
    assert fool.steps_taken < 50


def test_targeted_pgd_reaches_targets(digits, digits_model):
    _, (x, y) = digits
    target = (y + 1) % 10
    out = PGD(digits_model, eps=0.3, alpha=0.02, steps=40, targeted=True)(x, target)
    assert (predict_labels(digits_model, out) == target).float().mean() >= 0.95


def test_fooling_bad_arguments():
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3))
    with pytest.raises(ValueError, match=r"confidence must be in \(0, 1\), got 1.5"):
        FoolingImage(model, confidence=1.5)
    with pytest.raises(ValueError, match=r"target class out of range: got values in \[0, 3\]"):
        FoolingImage(model, steps=2)(torch.rand(2, 4), torch.tensor([0, 3]))
