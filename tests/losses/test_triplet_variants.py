"""The two triplet losses of the toolkit are one definition with two distances: plain
Euclidean (``nnlab.losses.triplet_margin_loss``, torch's) and squared (FaceNet's,
``nnlab.vision.verification.triplet_loss``); the names and docstrings say which."""
import pytest
import torch
import torch.nn.functional as F

from nnlab.losses import triplet_margin_loss
from nnlab.vision.verification import triplet_loss


def _triplets():
    g = torch.Generator().manual_seed(0)
    a, p, n = (F.normalize(torch.randn(6, 4, generator=g), dim=-1) for _ in range(3))
    return a, p, n


def test_default_is_euclidean_as_torch_and_squared_is_facenet():
    a, p, n = _triplets()
    dp, dn = (a - p).norm(dim=-1), (a - n).norm(dim=-1)
    torch.testing.assert_close(triplet_margin_loss(a, p, n, margin=0.2),
                               F.relu(dp - dn + 0.2), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(triplet_margin_loss(a, p, n, margin=0.2, squared=True),
                               F.relu(dp ** 2 - dn ** 2 + 0.2), rtol=1e-5, atol=1e-6)


def test_vision_triplet_loss_is_the_squared_form_averaged():
    a, p, n = _triplets()
    facenet = triplet_loss(a, p, n, margin=0.2)
    assert float(facenet) == pytest.approx(
        float(triplet_margin_loss(a, p, n, margin=0.2, reduction="mean", squared=True)))
    euclidean = float(triplet_margin_loss(a, p, n, margin=0.2, reduction="mean"))
    assert abs(float(facenet) - euclidean) > 1e-3          # different numbers, by design
    assert "squared" in triplet_loss.__doc__ and "Euclidean" in triplet_margin_loss.__doc__
