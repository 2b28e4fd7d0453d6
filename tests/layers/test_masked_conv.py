"""MaskedConv2D: type A never sees the current pixel, type B does, nothing sees a later
pixel (checked by the gradient of every output position w.r.t. the input)."""
import pytest
import torch

import nnlab
from nnlab import layers as L
from tests.layer_harness import run_layer_test


def _dependency(layer_stack, h=5, w=5, c=2):
    """dep[i, j, r, s] = True when output (i, j) has a nonzero gradient w.r.t. input (r, s)."""
    x = torch.randn(1, h, w, c, requires_grad=True)
    y = layer_stack(x)
    dep = torch.zeros(h, w, h, w, dtype=torch.bool)
    for i in range(h):
        for j in range(w):
            (g,) = torch.autograd.grad(y[0, i, j].sum(), x, retain_graph=True)
            dep[i, j] = g[0].abs().sum(-1) > 0
    return dep


def _seq(*ls):
    def run(x):
        for layer in ls:
            x = layer(x)
        return x
    return run


@pytest.mark.parametrize("mask_type", ["A", "B"])
def test_no_output_depends_on_a_later_pixel(mask_type):
    nnlab.set_seed(0)
    dep = _dependency(_seq(L.MaskedConv2D(3, 3, mask_type=mask_type)))
    h, w = dep.shape[:2]
    for i in range(h):
        for j in range(w):
            for r in range(h):
                for s in range(w):
                    if (r, s) > (i, j):  # raster order: later row, or same row to the right
                        assert not dep[i, j, r, s], (i, j, r, s)
            assert bool(dep[i, j, i, j]) == (mask_type == "B")
    # the mask actually lets the earlier neighbours through
    assert dep[2, 2, 1, 1] and dep[2, 2, 2, 1] and dep[2, 2, 1, 3]


def test_stack_a_then_b_stays_causal_and_never_sees_the_pixel():
    nnlab.set_seed(1)
    dep = _dependency(_seq(L.MaskedConv2D(4, 5, mask_type="A", activation="relu"),
                           L.MaskedConv2D(4, 3, mask_type="B", activation="relu"),
                           L.MaskedConv2D(1, 1, mask_type="B")), h=6, w=6, c=1)
    for i in range(6):
        for j in range(6):
            assert not dep[i, j, i, j]
            later = [(r, s) for r in range(6) for s in range(6) if (r, s) > (i, j)]
            assert not any(dep[i, j, r, s] for r, s in later)
    assert dep[3, 3, 2, 4] and dep[3, 3, 3, 2]  # receptive field grows above and left


def test_layer_harness_and_config():
    run_layer_test(lambda: L.MaskedConv2D(4, 3, mask_type="A"), (6, 6, 2))
    layer = L.MaskedConv2D(4, 3, mask_type="A")
    assert layer.get_config()["mask_type"] == "A"
    again = L.MaskedConv2D.from_config(layer.get_config())
    assert again.mask_type == "A" and torch.equal(again.mask, layer.mask)


def test_bad_arguments_name_the_problem():
    with pytest.raises(ValueError, match="kernel_size must be odd.*\\(4, 4\\)"):
        L.MaskedConv2D(4, 4)
    with pytest.raises(ValueError, match="mask_type must be 'A' or 'B', got 'C'"):
        L.MaskedConv2D(4, 3, mask_type="C")
    with pytest.raises(ValueError, match="padding must be 'same'"):
        L.MaskedConv2D(4, 3, padding="valid")
