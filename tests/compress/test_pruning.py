import numpy as np
import pytest
import torch
from torch import nn

from nnlab.compress import (PruningSchedule, format_sparsity_report, prune_magnitude,
                            sparsity_report, strip_pruning)

from .conftest import convnet, mlp


def _state(m):
    return {k: v.clone() for k, v in m.state_dict().items()}


def test_pruned_weights_stay_zero_through_fit_and_the_rest_train(digits, trained_mlp):
    (x, y), (xt, yt) = digits
    m = trained_mlp
    got = prune_magnitude(m, 0.8)
    assert all(abs(s - 0.8) < 0.01 for s in got.values())
    k0 = m.layers[0].kernel.detach().clone()
    zero = k0 == 0
    m.fit(x, y, epochs=2, batch_size=64, verbose=0)
    k1 = m.layers[0].kernel.detach()
    assert torch.all(k1[zero] == 0)                       # masks held through training
    assert not torch.allclose(k1[~zero], k0[~zero])        # the kept weights did train
    assert m.evaluate(xt, yt, verbose=0)[1] > 0.85         # real digits, still accurate


def test_magnitude_order_and_global_scope():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 5))
    with torch.no_grad():
        net[2].weight.mul_(100.0)                          # layer 2 far larger than layer 0
    w0 = net[0].weight.detach().abs().clone()
    prune_magnitude(net, 0.5, layers=[net[0]])
    kept = net[0].weight.detach() != 0
    assert w0[kept].min() >= w0[~kept].max()               # the smallest half went
    prune_magnitude(net, 0.6, scope="global")
    rows = {r["layer"]: r for r in sparsity_report(net)}
    assert rows["total"]["sparsity"] == pytest.approx(0.6, abs=0.01)
    assert rows["2"]["sparsity"] < 0.05 and rows["0"]["sparsity"] > 0.85  # threshold is shared


def test_structured_removes_whole_filters_and_rising_sparsity_keeps_zeros():
    m = convnet()
    m.build((None, 8, 8, 1)) if hasattr(m, "build") else None
    m(torch.zeros(1, 8, 8, 1))
    prune_magnitude(m, 0.5, structured=True, layers=[m.layers[0]])
    k = m.layers[0].kernel.detach()
    per_filter = k.abs().flatten(1).sum(1)
    assert int((per_filter == 0).sum()) == 4
    before = m.layers[2].kernel.detach() == 0
    prune_magnitude(m, 0.3, layers=[m.layers[2]])
    prune_magnitude(m, 0.6, layers=[m.layers[2]])
    after = m.layers[2].kernel.detach() == 0
    assert torch.all(after[before]) and after.float().mean() == pytest.approx(0.6, abs=0.01)


def test_schedule_prunes_iteratively_to_target(digits):
    (x, y), (xt, yt) = digits
    m = mlp()
    sched = PruningSchedule(0.9, steps=3, begin_epoch=2, curve="polynomial")
    m.fit(x, y, epochs=6, batch_size=64, verbose=0, callbacks=[sched])
    assert [e for e, _ in sched.history] == [2, 3, 4]
    assert [round(s, 4) for _, s in sched.history] == [round(0.9 * (1 - (2 / 3) ** 3), 4),
                                                        round(0.9 * (1 - (1 / 3) ** 3), 4), 0.9]
    assert sched.report[-1]["sparsity"] == pytest.approx(0.9, abs=0.01)
    assert "total" in format_sparsity_report(sched.report)
    assert m.evaluate(xt, yt, verbose=0)[1] > 0.8
    strip_pruning(m)
    assert not hasattr(m.layers[0], "kernel_mask")
    assert sparsity_report(m)[-1]["sparsity"] == pytest.approx(0.9, abs=0.01)


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5, "0.5", True])
def test_bad_sparsity_is_refused_and_model_unchanged(bad):
    m = mlp()
    m(torch.zeros(1, 64))
    before = _state(m)
    with pytest.raises(ValueError, match=r"sparsity must be a number in \[0, 1\)"):
        prune_magnitude(m, bad)
    with pytest.raises(ValueError, match=r"target_sparsity must be a number in \[0, 1\)"):
        PruningSchedule(bad, steps=2)
    after = _state(m)
    assert before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before)


def test_unsupported_layer_names_the_supported_ones():
    net = nn.Sequential(nn.Linear(4, 4), nn.LSTM(4, 4))
    before = _state(net)
    with pytest.raises(TypeError, match=r"type LSTM cannot be pruned; supported layer types: "
                                        r"Dense, Conv1D, Conv2D"):
        prune_magnitude(net, 0.5, layers=[net[0], net[1]])
    assert not hasattr(net[0], "weight_mask")
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    with pytest.raises(ValueError, match="has no layer that can be pruned"):
        prune_magnitude(nn.LSTM(3, 3), 0.5)
    with pytest.raises(ValueError, match="steps must be an int >= 1"):
        PruningSchedule(0.5, steps=0)
    with pytest.raises(ValueError, match="structured pruning is per layer"):
        prune_magnitude(net, 0.5, scope="global", structured=True)
    assert np.isfinite(1.0)
