"""Contrastive / triplet losses and mining against brute-force definitions."""
import itertools

import numpy as np
import pytest
import torch

from nnlab.vision.verification import (EmbeddingNet, augment, batch_all_triplet_loss,
                                       batch_hard_triplet_loss, batch_semi_hard_triplet_loss,
                                       choose_threshold, contrastive_loss, train_embedding,
                                       triplet_loss, verification_roc)


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
    # distances 0.1, 0.2, 0.3 same, 0.25 different: no threshold separates them; the best
    # "same if d <= t" misclassifies one pair (0.25 or 0.3)
    assert acc == pytest.approx(5 / 6)
    assert 0.2 <= t < 0.3
    assert ((d <= t) == same).mean() == pytest.approx(acc)
    _, _, _, auc = verification_roc(d, same)
    assert auc == pytest.approx(8 / 9)


def test_one_class_batch_cannot_mine():
    e = torch.randn(4, 3)
    with pytest.raises(ValueError, match="only one class .* no negative to mine"):
        batch_hard_triplet_loss(e, torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match="no class appears twice"):
        batch_semi_hard_triplet_loss(e, torch.arange(4))


def test_batch_all_brute_force():
    e, y = batch()
    d = torch.cdist(e, e) ** 2
    losses = [max(0.0, float(d[a, p] - d[a, n]) + 0.4)
              for a, p, n in itertools.permutations(range(12), 3)
              if y[a] == y[p] and y[n] != y[a]]
    positive = [v for v in losses if v > 1e-12]
    assert float(batch_all_triplet_loss(e, y, 0.4)) == pytest.approx(np.mean(positive),
                                                                     abs=1e-6)


def test_augment_identity_and_shift():
    x = torch.rand(3, 28, 28, 1)
    same = augment(x, degrees=0.0, shift=0.0, scale=0.0)
    torch.testing.assert_close(same, x, atol=1e-5, rtol=0)
    moved = augment(x, torch.Generator().manual_seed(0))
    assert moved.shape == x.shape and not torch.allclose(moved, x)


def test_embedding_net_unit_vectors_and_errors():
    for head in ("flatten", "gap"):
        e = EmbeddingNet(dim=8, width=4, head=head)(torch.rand(5, 28, 28, 1))
        torch.testing.assert_close(e.norm(dim=-1), torch.ones(5))
    with pytest.raises(ValueError, match="head must be 'flatten' or 'gap'"):
        EmbeddingNet(head="dense")
    with pytest.raises(ValueError, match=r"expected images \(batch, 28, 28, 1\), got shape"):
        EmbeddingNet()(torch.rand(2, 1, 28, 28))


def test_train_embedding_bad_input():
    x = torch.rand(6, 28, 28, 1)
    with pytest.raises(ValueError, match="mining must be one of"):
        train_embedding(x, torch.zeros(6, dtype=torch.long), mining="hardest")
    with pytest.raises(ValueError, match="6 images but y has 5 labels"):
        train_embedding(x, torch.zeros(5, dtype=torch.long))
    with pytest.raises(ValueError, match="needs >= 2 classes"):
        train_embedding(x, torch.zeros(6, dtype=torch.long))


def test_short_training_verifies_unseen_digits_above_chance():
    """40 triplet steps on real MNIST digits 0-6: pairs of unseen 7-9 beat chance clearly."""
    from nnlab.data import load_mnist
    from nnlab.vision.verification import embed, make_pairs
    (x, y), _ = load_mnist()
    x = torch.from_numpy(x[:6000]).float()[..., None] / 255
    y = torch.from_numpy(y[:6000].astype(np.int64))
    model = train_embedding(x[y <= 6], y[y <= 6], steps=40, warmup_steps=10, per_class=8,
                            width=8, seed=0)
    pairs, same = make_pairs(y[y >= 7].numpy(), 600, seed=0)
    e = embed(model, x[y >= 7][torch.from_numpy(pairs.reshape(-1))]).reshape(600, 2, -1)
    _, _, _, auc = verification_roc((e[:, 0] - e[:, 1]).norm(dim=-1).numpy(), same)
    assert auc > 0.7, auc


def test_pretrain_softmax_separates_classes_and_fine_tunes_in_place():
    from nnlab.vision.verification import pretrain_softmax
    torch.manual_seed(0)
    x = torch.zeros(60, 28, 28, 1)
    y = torch.arange(60) % 3
    for c in range(3):                       # three easy "classes": a bright band each
        x[y == c, 9 * c:9 * c + 9] = 1.0
    model = pretrain_softmax(x, y, steps=30, batch_size=30, width=4, dim=8, augmentation=False)
    e = model(x)
    assert torch.allclose(e.norm(dim=-1), torch.ones(60), atol=1e-5)
    centre = torch.stack([e[y == c].mean(0) for c in range(3)])
    assert (e @ centre.T).argmax(1).eq(y).all()          # each image nearest its class
    tuned = train_embedding(x, y, steps=2, warmup_steps=0, classes_per_batch=3, per_class=4,
                            model=model, augmentation=False)
    assert tuned is model
    with pytest.raises(ValueError, match="labels 0..C-1 with C >= 2"):
        pretrain_softmax(x, torch.zeros(60, dtype=torch.long), steps=1)


def test_embed_test_time_shifts_average_the_shifted_copies():
    from nnlab.vision.verification import embed
    torch.manual_seed(0)
    model = EmbeddingNet(dim=8, width=4).eval()
    x = torch.zeros(3, 28, 28, 1)
    x[:, 10:18, 9:20] = torch.rand(3, 8, 11, 1)
    with torch.no_grad():
        want = sum(model(torch.roll(x, (dy, dx), dims=(1, 2)))
                   for dy in (-2, 0, 2) for dx in (-2, 0, 2))
    got = embed(model, x, batch_size=2, tta_shift=2)
    torch.testing.assert_close(got, torch.nn.functional.normalize(want, dim=-1))
    torch.testing.assert_close(embed(model, x, tta_shift=0), model(x))
    assert not torch.allclose(got, embed(model, x))
    with pytest.raises(ValueError, match="tta_shift"):
        embed(model, x, tta_shift=-1)


def test_rotation_classes_turn_images_and_shift_labels():
    from nnlab.vision.verification import rotation_classes
    x = torch.arange(2 * 4 * 4, dtype=torch.float32).reshape(2, 4, 4, 1).repeat(2, 1, 1, 1)
    y = torch.tensor([0, 2, 1, 2])
    turns = torch.tensor([0, 1, 2, 3])
    xr, yr = rotation_classes(x, y, 3, turns)
    assert yr.tolist() == [0, 5, 7, 11]
    for i in range(4):
        assert torch.equal(xr[i, :, :, 0], torch.rot90(x[i, :, :, 0], int(turns[i])))
    with pytest.raises(ValueError, match="turns"):
        rotation_classes(x, y, 3, torch.tensor([0, 1, 4, 0]))


def test_subclass_labels_split_each_class_by_its_clusters():
    from nnlab.vision.verification import subclass_labels
    g = torch.Generator().manual_seed(0)
    # class 0: two well separated blobs (bright left / bright right); class 1: likewise top / bottom
    x = torch.zeros(40, 4, 4, 1)
    x[0:10, :, :2], x[10:20, :, 2:], x[20:30, :2], x[30:40, 2:] = 1, 1, 1, 1
    x = x + 0.05 * torch.rand(x.shape, generator=g)
    y = torch.tensor([0] * 20 + [1] * 20)
    sub = subclass_labels(x, y, 2)
    assert set(sub[:20].tolist()) == {0, 1} and set(sub[20:].tolist()) == {2, 3}
    for lo in (0, 10, 20, 30):             # each blob is one pseudo-class
        assert len(set(sub[lo:lo + 10].tolist())) == 1
    assert torch.equal(sub // 2, y)
    with pytest.raises(ValueError, match="fewer than k"):
        subclass_labels(x, y, 25)
