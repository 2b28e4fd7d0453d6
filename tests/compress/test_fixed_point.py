import numpy as np
import pytest
import torch

from nnlab.compress.fixed_point import fractional_length, simulate_fixed_point, to_fixed_point

from .conftest import mlp


def test_radix_point_from_the_largest_value():
    assert fractional_length(0.9, 8) == 7          # |v| < 1: sign bit + 7 fractional bits
    assert fractional_length(3.0, 8) == 5          # 2 integer bits + sign
    assert fractional_length(100.0, 8) == 0        # 7 integer bits
    assert fractional_length(300.0, 8) == -2       # steps of 4
    t = torch.tensor([0.3, -0.7, 5.0])
    assert to_fixed_point(t, 4, 3).tolist() == [0.25, -0.75, 0.875]   # grid 1/8, max 7/8


def test_simulated_fixed_point_accuracy_falls_with_bits(trained_mlp, digits):
    (x, _), (xt, yt) = digits
    m = trained_mlp
    w0 = m.layers[0].kernel.detach().clone()
    acc = {}
    for bits in (16, 8, 3):
        q, rows = simulate_fixed_point(m, bits, x[:200].astype("float32"))
        acc[bits] = float((q.predict(xt, verbose=0).argmax(-1) == yt).mean())
        kernel = q.layers[0].kernel.detach()
        fl = rows[0]["weight_fl"]
        assert torch.equal(kernel, torch.round(kernel * 2.0 ** fl) / 2.0 ** fl)   # on the grid
        assert len(torch.unique(kernel)) <= 2 ** bits
    assert torch.equal(m.layers[0].kernel.detach(), w0)                     # model untouched
    assert rows[0]["input_max"] == pytest.approx(float(np.abs(x[:200]).max()))
    base = float((m.predict(xt, verbose=0).argmax(-1) == yt).mean())
    assert abs(acc[16] - base) < 0.005 and acc[8] > base - 0.03 and acc[3] < acc[8]


def test_fixed_point_refuses_bad_bits():
    m = mlp()
    m(torch.zeros(1, 64))
    for bad in (1, 0, 17, 8.0):
        with pytest.raises(ValueError, match=r"bits must be an int in \[2, 16\] \(signed "
                                             r"fixed-point word length\), got"):
            simulate_fixed_point(m, bad, np.zeros((2, 64), "float32"))
    with pytest.raises(ValueError, match="calibration_x must be a non-empty batch"):
        simulate_fixed_point(m, 8, np.zeros((0, 64), "float32"))
