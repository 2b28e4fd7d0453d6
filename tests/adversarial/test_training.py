"""Adversarial training through fit's public transform_train_batch event."""
import pytest
import torch

import nnlab
from nnlab.adversarial import FGSM, PGD, AdversarialTraining, robust_accuracy
from nnlab.callbacks import Callback

from .conftest import digits_mlp


class _Record(Callback):
    def __init__(self):
        super().__init__()
        self.seen = []

    def transform_train_batch(self, x, y):
        self.seen.append((x.clone(), self.model.training))
        return x, y


def test_callback_replaces_each_batch_with_attacked_images(digits):
    (x, y), _ = digits
    model = digits_mlp()
    attack = FGSM(model, eps=0.2)
    record = _Record()
    model.fit(x[:128], y[:128], batch_size=64, epochs=1, shuffle=False, verbose=0,
              callbacks=[AdversarialTraining(attack), record])
    assert len(record.seen) == 2  # two batches, each seen after the attack
    for xb, training in record.seen:
        assert training  # the attack restored train mode for the update
        diff = (xb - x[:64] if xb is record.seen[0][0] else xb - x[64:128]).abs()
        assert diff.max() <= 0.2 + 1e-6 and diff.max() > 0.1


def test_mixing_ratio_attacks_part_of_the_batch(digits):
    (x, y), _ = digits
    model = digits_mlp()
    record = _Record()
    model.fit(x[:100], y[:100], batch_size=100, epochs=1, shuffle=False, verbose=0,
              callbacks=[AdversarialTraining(FGSM(model, eps=0.2), ratio=0.3), record])
    changed = ((record.seen[0][0] - x[:100]).flatten(1).abs().amax(1) > 0).sum().item()
    assert 20 <= changed <= 30


def test_eps_schedule_and_bad_arguments(digits):
    (x, y), _ = digits
    model = digits_mlp()
    attack = FGSM(model, eps=0.3)
    model.fit(x[:64], y[:64], epochs=2, verbose=0,
              callbacks=[AdversarialTraining(attack, eps_schedule=lambda e: 0.1 * (e + 1))])
    assert attack.eps == pytest.approx(0.2)
    with pytest.raises(TypeError, match=r"attack must be an nnlab.adversarial Attack"):
        AdversarialTraining("pgd")
    with pytest.raises(ValueError, match=r"ratio must be in \(0, 1\], got 1.5"):
        AdversarialTraining(attack, ratio=1.5)
    with pytest.raises(ValueError, match=r"the attack was built on another model"):
        digits_mlp().fit(x[:64], y[:64], epochs=1, verbose=0,
                         callbacks=[AdversarialTraining(attack)])


@pytest.mark.slow
def test_pgd_training_makes_digits_model_robust(digits):
    """Madry's recipe on the digits: PGD accuracy at least 3x the normal model's."""
    (xtr, ytr), (x, y) = digits
    nnlab.set_seed(0)
    normal = digits_mlp()
    normal.fit(xtr, ytr, batch_size=32, epochs=30, verbose=0)
    nnlab.set_seed(0)
    robust = digits_mlp()
    robust.fit(xtr, ytr, batch_size=32, epochs=30, verbose=0, callbacks=[AdversarialTraining(
        PGD(robust, eps=0.2, alpha=0.05, steps=7))])
    pgd = lambda m: PGD(m, eps=0.2, alpha=0.01, steps=40)  # noqa: E731
    torch.manual_seed(0)
    acc_normal = robust_accuracy(normal, x, y, pgd(normal))
    acc_robust = robust_accuracy(robust, x, y, pgd(robust))
    print(f"digits PGD-40 eps 0.2: normal {acc_normal:.3f}, PGD-trained {acc_robust:.3f}")
    assert acc_robust >= 3 * acc_normal and acc_robust >= 0.3
    assert robust_accuracy(robust, x, y) >= 0.8
