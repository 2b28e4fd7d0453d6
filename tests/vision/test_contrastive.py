"""NT-Xent against its definition written out with loops; the embedding ensemble."""
import math

import pytest
import torch

from nnlab.vision.contrastive import embed_ensemble, nt_xent_loss
from nnlab.vision.verification import EmbeddingNet, pretrain_softmax


def test_nt_xent_matches_the_loop_definition():
    torch.manual_seed(0)
    z1, z2 = torch.randn(5, 4), torch.randn(5, 4)
    z = torch.nn.functional.normalize(torch.cat((z1, z2)), dim=-1)
    tau, n, total = 0.3, 5, 0.0
    for k in range(2 * n):
        partner = (k + n) % (2 * n)
        den = sum(math.exp(float(z[k] @ z[j]) / tau) for j in range(2 * n) if j != k)
        total += -math.log(math.exp(float(z[k] @ z[partner]) / tau) / den)
    assert float(nt_xent_loss(z1, z2, tau)) == pytest.approx(total / (2 * n), rel=1e-5)


def test_nt_xent_known_answers_and_errors():
    e = torch.eye(3)                                     # three orthogonal images
    # identical views: partner similarity 1/tau, the other 4 views 0 -> log(e^(1/tau) + 4) - 1/tau
    assert float(nt_xent_loss(e, e, 0.5)) == pytest.approx(math.log(math.exp(2) + 4) - 2, rel=1e-6)
    assert float(nt_xent_loss(e, e, 0.01)) < 1e-6       # perfect pairing, cold temperature
    with pytest.raises(ValueError, match="same shape"):
        nt_xent_loss(e, torch.eye(4))
    with pytest.raises(ValueError, match="N >= 2"):
        nt_xent_loss(e[:1], e[:1])
    with pytest.raises(ValueError, match="temperature must be > 0"):
        nt_xent_loss(e, e, 0.0)


def test_embed_ensemble_is_the_scaled_concatenation():
    torch.manual_seed(0)
    nets = [EmbeddingNet(dim=8, width=4).eval(), EmbeddingNet(dim=6, width=4).eval()]
    x = torch.rand(7, 28, 28, 1)
    e = embed_ensemble(nets, x, batch_size=3)
    assert e.shape == (7, 14)
    assert torch.allclose(e.norm(dim=-1), torch.ones(7), atol=1e-5)
    d2 = torch.cdist(e, e) ** 2                          # mean of the nets' squared distances
    mean = sum(torch.cdist(n(x), n(x)) ** 2 for n in nets) / 2
    assert torch.allclose(d2, mean, atol=1e-5)
    with pytest.raises(ValueError, match="models is empty"):
        embed_ensemble([], x)


def test_pretrain_softmax_with_nt_xent_learns_and_checks_arguments():
    torch.manual_seed(0)
    x = torch.zeros(60, 28, 28, 1)
    y = torch.arange(60) % 3
    for c in range(3):
        x[y == c, 9 * c:9 * c + 9] = 1.0
    model = pretrain_softmax(x, y, steps=30, batch_size=30, width=4, dim=8, augmentation=True,
                             contrastive_weight=0.5, label_smoothing=0.1)
    e = model(x)
    centre = torch.stack([e[y == c].mean(0) for c in range(3)])
    assert (e @ centre.T).argmax(1).eq(y).all()
    headed = pretrain_softmax(x, y, steps=30, batch_size=30, width=4, dim=8,
                              augmentation=False, contrastive_weight=0.5, projection_head=True)
    e = headed(x)
    centre = torch.stack([e[y == c].mean(0) for c in range(3)])
    assert (e @ centre.T).argmax(1).eq(y).all()
    with pytest.raises(ValueError, match="contrastive_weight must be >= 0"):
        pretrain_softmax(x, y, steps=1, contrastive_weight=-1.0)
    with pytest.raises(ValueError, match="label_smoothing in"):
        pretrain_softmax(x, y, steps=1, label_smoothing=1.0)
