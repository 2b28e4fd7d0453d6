"""TerminateOnNaN's weight snapshot: the finiteness check and when a copy is kept."""
import math

import pytest
import torch

import nnlab
from nnlab.callbacks import TerminateOnNaN
from nnlab.callbacks.terminate_on_nan import all_finite
from nnlab.layers import Dense


@pytest.mark.parametrize("bad, finite", [
    (None, True),
    (float("nan"), False),
    (float("inf"), False),
    (-float("inf"), False),
    (3e38, True),  # finite, but its square overflows float32: the exact check settles it
    (-3.4e38, True),
])
def test_all_finite_known_answers(bad, finite):
    tensors = [torch.randn(5, 7), torch.randn(3, dtype=torch.bfloat16),
               torch.randn(4, dtype=torch.float64), torch.randn(2, 2, 3)]
    if bad is not None:
        tensors[3][1, 0, 2] = bad
    assert all_finite(tensors) is finite


def test_all_finite_agrees_with_the_largest_value_on_every_element_position():
    t = torch.randn(64)
    for i in range(64):
        for value in (float("nan"), float("inf")):
            u = t.clone()
            u[i] = value
            exact = math.isfinite(float(torch.linalg.vector_norm(u, math.inf)))
            assert all_finite([torch.ones(3), u]) is exact is False


def _guarded_model():
    model = nnlab.Sequential([Dense(3, input_shape=(4,), name="hidden"), Dense(1)])
    guard = TerminateOnNaN()
    guard.set_model(model)
    return model, guard


def test_snapshot_copies_finite_weights_even_huge_ones():
    model, guard = _guarded_model()
    with torch.no_grad():
        model.layers[0].kernel[0, 0] = 3e38
    guard._snapshot((1, 2))
    assert guard._copy_at == (1, 2)
    assert float(guard._copy[0][0, 0]) == pytest.approx(3e38)


def test_snapshot_keeps_the_last_finite_copy_when_a_weight_is_nan():
    model, guard = _guarded_model()
    guard._snapshot((0, 1))
    kept = [c.clone() for c in guard._copy]
    with torch.no_grad():
        model.layers[1].kernel.view(-1)[1] = float("nan")
    guard._next_copy = 0.0  # not throttled: only the NaN may stop the copy
    guard._snapshot((0, 5))
    assert guard._copy_at == (0, 1)
    assert all(torch.equal(c, k) for c, k in zip(guard._copy, kept))


def test_copies_are_throttled_by_their_cost():
    model, guard = _guarded_model()
    guard._snapshot((0, 1))
    assert guard._next_copy > 0.0
    guard._snapshot((0, 2))  # right after the first: too soon, skipped
    assert guard._copy_at == (0, 1)
