"""lr_range_test: Smith's LR range test on the bundled digits."""
import numpy as np
import pytest

import nnlab
from nnlab.diagnostics import lr_range_test
from nnlab.diagnostics.lr_finder import zero_lag_smooth


def test_suggests_a_sane_lr_and_writes_the_plot(digits, dense_net, snapshot, tmp_path):
    x, y = digits
    model = dense_net()
    snap = snapshot(model)
    path = tmp_path / "lr_finder.png"
    result = lr_range_test(model, x, y, plot_path=str(path))
    assert 1e-4 <= result.suggested_lr <= 1
    assert result.steepest_lr is not None and result.steepest_lr < result.min_loss_lr
    # exponential schedule from min_lr: constant ratio between steps
    lrs = np.asarray(result.lrs)
    assert lrs[0] == pytest.approx(1e-7) and len(lrs) <= 100
    assert np.allclose(lrs[1:] / lrs[:-1], 10 ** (8 / 99))
    assert len(result.losses) == len(result.smoothed_losses) == len(lrs)
    # the loss fell somewhere in the range: the minimum is well below the start
    assert min(result.smoothed_losses) < 0.8 * result.smoothed_losses[0]
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and result.plot_path == str(path)
    assert not list(tmp_path.glob(".lr_finder-*"))  # no temporary file left behind
    assert "suggested lr" in str(result)
    # the user's weights (and compile state) are as before; it still trains normally
    assert snap.unchanged() and model.compiled.optimizer is None


def test_stops_when_the_loss_explodes(digits, dense_net):
    x, y = digits
    result = lr_range_test(dense_net(optimizer="sgd"), x, y, min_lr=1e-3, max_lr=1e3,
                           steps=60)
    assert result.diverged and len(result.lrs) < 60
    finite = [v for v in result.smoothed_losses if np.isfinite(v)]
    assert min(finite) < result.losses[0]


def test_zero_lag_smoothing_has_no_lag():
    line = list(np.linspace(3.0, 1.0, 50))
    smooth = zero_lag_smooth(line, 0.9)
    assert np.allclose(smooth[10:-10], line[10:-10])  # an EMA would trail by ~10 steps
    spiky = [2.0] * 30 + [50.0, 1.0] * 5
    assert zero_lag_smooth(spiky, 0.9)[:25].max() == pytest.approx(2.0)
    assert np.isinf(zero_lag_smooth([2.0, 1.0, float("nan")], 0.9)[-1])


@pytest.mark.parametrize("kwargs, match", [
    ({"min_lr": 0}, r"min_lr must be a finite number in \(0.0, inf\], got 0"),
    ({"min_lr": 1.0, "max_lr": 0.1}, "max_lr must be greater than min_lr"),
    ({"steps": 1}, "steps must be an int >= 5, got 1"),
    ({"batch_size": 0}, "batch_size must be an int >= 1"),
    ({"smoothing": 1.0}, "smoothing must be a finite number in"),
    ({"plot_path": "/no/such/folder/lr.png"}, "plot_path's folder '/no/such/folder'"),
])
def test_bad_arguments(kwargs, match, digits, dense_net):
    x, y = digits
    with pytest.raises(ValueError, match=match):
        lr_range_test(dense_net(), x[:64], y[:64], **kwargs)


def test_needs_compiled_first_order_model(digits, dense_net):
    x, y = digits
    model = nnlab.Sequential([nnlab.layers.Dense(10, input_shape=(64,))])
    with pytest.raises(ValueError, match="compiled nnlab model"):
        lr_range_test(model, x, y)
    with pytest.raises(ValueError, match="L-BFGS"):
        lr_range_test(dense_net(optimizer="lbfgs"), x, y)
    with pytest.raises(ValueError, match="same number of samples"):
        lr_range_test(dense_net(), x, y[:10])
