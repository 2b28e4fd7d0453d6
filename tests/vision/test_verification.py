"""Contrastive / triplet losses and mining against brute-force definitions."""
import itertools

import numpy as np
import pytest
import torch

from nnlab.vision.verification import (batch_hard_triplet_loss, batch_semi_hard_triplet_loss,
                                       choose_threshold, contrastive_loss, triplet_loss,
                                       verification_roc)


def batch():
    torch.manual_seed(0)
    return torch.nn.functional.normalize(torch.randn(12, 5), dim=-1), \
        torch.tensor([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3])


def test_batch_hard_brute_force():
    e, y = batch()
    d = torch.cdist(e, e) ** 2
    losses = []
    for a in range(12):
        dp = max(d[a, p] for p in range(12) if y[p] == y[a] and p != a)
        dn = min(d[a, n] for n in range(12) if y[n] != y[a])
        losses.append(max(0.0, float(dp - dn) + 0.3))
    assert float(batch_hard_triplet_loss(e, y, 0.3)) == pytest.approx(np.mean(losses), abs=1e-6)


def test_semi_hard_brute_force():
    e, y = batch()
    d = torch.cdist(e, e) ** 2
    losses = []
    for a, p in itertools.permutations(range(12), 2):
        if y[a] != y[p]:
            continue
        negs = [float(d[a, n]) for n in range(12) if y[n] != y[a]]
        semi = [v for v in negs if v > d[a, p]]
        dn = min(semi) if semi else max(negs)
        losses.append(max(0.0, float(d[a, p]) - dn + 0.5))
    assert float(batch_semi_hard_triplet_loss(e, y, 0.5)) == pytest.approx(np.mean(losses),
                                                                           abs=1e-6)


def test_pair_losses_by_definition():
    a, p, n = torch.tensor([[0.0, 0]]), torch.tensor([[3.0, 4]]), torch.tensor([[1.0, 0]])
    assert float(triplet_loss(a, p, n, 0.2)) == pytest.approx(25 - 1 + 0.2)
    assert float(contrastive_loss(a, p, torch.tensor([1]))) == pytest.approx(25)
    assert float(contrastive_loss(a, n, torch.tensor([0]), margin=3.0)) == pytest.approx(4)


def test_threshold_and_roc():
    d = np.array([0.1, 0.2, 0.3, 0.9, 1.0, 0.25])
    same = np.array([1, 1, 1, 0, 0, 0], bool)
    t, acc = choose_threshold(d, same)
    assert acc == pytest.approx(5 / 6) and 0.2 <= t < 0.3 or acc == 1.0
    _, _, _, auc = verification_roc(d, same)
    assert auc == pytest.approx(8 / 9)


def test_one_class_batch_cannot_mine():
    e = torch.randn(4, 3)
    with pytest.raises(ValueError, match="only one class .* no negative to mine"):
        batch_hard_triplet_loss(e, torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match="no class appears twice"):
        batch_semi_hard_triplet_loss(e, torch.arange(4))
