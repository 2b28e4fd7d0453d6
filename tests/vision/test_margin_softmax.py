"""CosFace / ArcFace margin logits against their definitions, written out per element."""
import math

import pytest
import torch

from nnlab.vision.margin_softmax import margin_logits, margin_softmax_loss


def data():
    g = torch.Generator().manual_seed(0)
    return torch.randn(6, 4, generator=g), torch.randn(3, 4, generator=g), \
        torch.tensor([0, 1, 2, 0, 1, 2])


def cosines(e, w):
    return [[float(torch.dot(a / a.norm(), b / b.norm())) for b in w] for a in e]


@pytest.mark.parametrize("kind", ["cosface", "arcface"])
def test_margin_on_true_class_only(kind):
    e, w, y = data()
    got = margin_logits(e, w, y, scale=10.0, margin=0.3, kind=kind)
    cos = cosines(e, w)
    for i in range(6):
        for c in range(3):
            want = cos[i][c]
            if c == int(y[i]):
                want = want - 0.3 if kind == "cosface" else math.cos(math.acos(want) + 0.3)
            assert float(got[i, c]) == pytest.approx(10.0 * want, abs=1e-4)


def test_zero_margin_is_normface_and_margin_raises_the_loss():
    e, w, y = data()
    cos = torch.tensor(cosines(e, w))
    torch.testing.assert_close(margin_logits(e, w, y, 16.0, 0.0), 16.0 * cos, atol=1e-5,
                               rtol=0)
    plain = margin_softmax_loss(e, w, y, 16.0, 0.0)
    assert float(margin_softmax_loss(e, w, y, 16.0, 0.35)) > float(plain)
    assert float(margin_softmax_loss(e, w, y, 16.0, 0.35, "arcface")) > float(plain)


def test_gradient_flows_to_embeddings_and_proxies():
    e, w, y = data()
    e.requires_grad_(True)
    w.requires_grad_(True)
    margin_softmax_loss(e, w, y, 16.0, 0.5, "arcface").backward()
    assert e.grad.abs().sum() > 0 and w.grad.abs().sum() > 0
    assert torch.isfinite(e.grad).all() and torch.isfinite(w.grad).all()


def test_bad_arguments_are_refused():
    e, w, y = data()
    with pytest.raises(ValueError, match="kind"):
        margin_logits(e, w, y, kind="sphereface")
    with pytest.raises(ValueError, match="share dim"):
        margin_logits(e, w[:, :3], y)
    with pytest.raises(ValueError, match="labels"):
        margin_logits(e, w, y[:4])
    with pytest.raises(ValueError, match="margin"):
        margin_logits(e, w, y, margin=-0.1)
