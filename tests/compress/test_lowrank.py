import pytest
import torch
from torch import nn

from nnlab.compress.lowrank import factorize
from nnlab.layers import Conv2D, Dense, Flatten
from nnlab.models import Sequential


def _net(seed=0):
    torch.manual_seed(seed)
    m = Sequential([Conv2D(6, 3, padding="same", strides=2, activation="relu", input_shape=(8, 8, 3)),
                    Flatten(), Dense(12, activation="tanh"), Dense(5)])
    m(torch.zeros(1, 8, 8, 3))
    return m


def test_full_rank_reproduces_outputs():
    m = _net()
    x = torch.randn(4, 8, 8, 3)
    want = m(x).detach()
    info = factorize(m, energy=1.0)
    assert [v["rank"] for v in info.values()] == [6, 12, 5]
    assert torch.allclose(m(x), want, atol=1e-5)
    assert hasattr(m.layers[0], "kernel_v") and m.layers[0].kernel_v.shape == (6, 3, 3, 3)
    assert m.layers[0].kernel_u.shape == (6, 6, 1, 1)


def test_low_rank_is_the_best_approximation_and_trains():
    m = _net()
    w = m.layers[2].kernel.detach().clone()
    info = factorize(m, rank=2, layers=[m.layers[2]])
    approx = (m.layers[2].kernel_u @ m.layers[2].kernel_v).detach()
    s = torch.linalg.svdvals(w)
    # Eckart-Young: the Frobenius error is the norm of the dropped singular values
    assert torch.linalg.norm(approx - w) == pytest.approx(float(s[2:].norm()), rel=1e-4)
    row = info[m.layers[2].name]
    assert row["params_after"] == 2 * (12 + 96) and row["params_before"] == 12 * 96
    m.layers[2].kernel_u.sum().backward()
    assert m.layers[2].kernel_u.grad is not None


def test_energy_picks_smallest_rank():
    torch.manual_seed(0)
    m = Sequential([Dense(20, input_shape=(30,))])
    m(torch.zeros(1, 30))
    s = torch.linalg.svdvals(m.layers[0].kernel.detach())
    frac = torch.cumsum(s ** 2, 0) / (s ** 2).sum()
    want = int((frac < 0.7).sum()) + 1
    assert factorize(m, energy=0.7)[m.layers[0].name]["rank"] == want


def test_bad_rank_and_unsupported_type_leave_model_unchanged():
    m = _net()
    before = {k: v.clone() for k, v in m.state_dict().items()}
    with pytest.raises(ValueError, match=r"rank 6 is larger than layer '.*' allows: its kernel "
                                         r"\(5, 12\) has rank at most 5"):
        factorize(m, rank=6, layers=[m.layers[2], m.layers[3]])
    assert before.keys() == m.state_dict().keys()
    with pytest.raises(TypeError, match="type Flatten cannot be factorised; supported layer "
                                        "types: Dense, Conv2D"):
        factorize(m, rank=1, layers=[m.layers[1]])
    with pytest.raises(ValueError, match="exactly one of rank= or energy="):
        factorize(m)
    with pytest.raises(ValueError, match=r"energy must be a number in \(0, 1\]"):
        factorize(m, energy=0.0)
    with pytest.raises(ValueError, match="no layer that can be factorised"):
        factorize(nn.LSTM(2, 2), rank=1)
    assert all(torch.equal(before[k], v) for k, v in m.state_dict().items())
