"""check_initial_loss and overfit_small_subset on the bundled digits."""
import math

import numpy as np
import pytest
import torch

import nnlab
from nnlab.diagnostics import check_initial_loss, overfit_small_subset
from nnlab.layers import Dense


# ------------------------------------------------------------------ initial loss
def test_initial_loss_is_log_10_on_digits(digits, dense_net, snapshot):
    x, y = digits
    model = dense_net()
    snap = snapshot(model)
    report = check_initial_loss(model, x[:256], y[:256])
    assert report.num_classes == 10
    assert report.expected == pytest.approx(math.log(10))  # 2.303
    assert report.loss == pytest.approx(2.303, rel=0.1)
    assert report.ok and report.verdict == "ok" and report.advice == []
    assert report.loss_name == "sparse_categorical_crossentropy"
    assert "expected 2.3026" in str(report)
    assert snap.unchanged()


def test_initial_loss_one_hot_svm_and_binary(digits, dense_net):
    x, y = digits
    model = dense_net()
    one_hot = check_initial_loss(model, x[:256], np.eye(10, dtype="float32")[y[:256]],
                                 loss="categorical_crossentropy")
    assert one_hot.ok and one_hot.expected == pytest.approx(math.log(10))
    nnlab.set_seed(0)
    scores = nnlab.Sequential([Dense(10, input_shape=(64,), kernel_initializer="zeros")])
    svm = check_initial_loss(scores, x[:64], y[:64], loss="multiclass_hinge")
    assert svm.expected == 9 and svm.loss == pytest.approx(9.0) and svm.ok
    binary = nnlab.Sequential([Dense(1, input_shape=(64,), activation="sigmoid",
                                     kernel_initializer="zeros")])
    bce = check_initial_loss(binary, x[:64], (y[:64] % 2).astype("float32")[:, None],
                             loss="binary_crossentropy")
    assert bce.expected == pytest.approx(math.log(2)) and bce.ok


def test_initial_loss_too_high_gives_advice(digits, dense_net, snapshot):
    x, y = digits
    model = dense_net()
    with torch.no_grad():
        model.layers[-1].kernel.mul_(30)  # far too large a last layer
    snap = snapshot(model)
    report = check_initial_loss(model, x[:256], y[:256])
    assert not report.ok and report.verdict == "too high"
    assert any("initialis" in a for a in report.advice)
    assert snap.unchanged()


def test_initial_loss_logits_without_softmax_are_flagged(digits):
    x, y = digits
    nnlab.set_seed(0)
    logits = nnlab.Sequential([Dense(10, input_shape=(64,))])
    report = check_initial_loss(logits, x[:128], y[:128])
    assert not report.ok
    assert any("not probabilities" in a for a in report.advice)


@pytest.mark.parametrize("kwargs, match", [
    ({"model": "net"}, "model must be a torch.nn.Module"),
    ({"y": np.zeros(3)}, "x and y must have the same number of samples, got 8 in x and 3"),
    ({"x": np.zeros((0, 64))}, "x must hold at least one sample"),
    ({"loss": "mse"}, "chance level is known; got 'mean_squared_error'|chance level"),
    ({"tolerance": -0.1}, "tolerance must be a finite number"),
])
def test_initial_loss_bad_arguments(kwargs, match, dense_net):
    args = {"model": dense_net(), "x": np.zeros((8, 64), "float32"),
            "y": np.zeros(8, "int64")}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        check_initial_loss(**args)


# ---------------------------------------------------------------------- overfit
def test_overfit_20_digits_reaches_100_percent(digits, dense_net, snapshot):
    x, y = digits
    model = dense_net()
    model.fit(x[:64], y[:64], epochs=1, verbose=0)  # the optimizer now has state
    opt_state = {k: {n: t.clone() for n, t in v.items()}
                 for k, v in model.compiled.optimizer.state.items()}
    snap = snapshot(model)
    np_state, torch_state = np.random.get_state()[1].copy(), torch.get_rng_state()
    report = overfit_small_subset(model, x, y, n=20, epochs=200)
    assert report.accuracy == 1.0 and report.reached_target
    assert report.final_loss < 0.1 * report.initial_loss and report.loss_near_zero
    assert report.ok and report.n == 20 and report.epochs == 200
    assert len(report.history["loss"]) == 200
    assert "training accuracy 100.0%" in str(report)
    # the user's model, its optimizer state and the global random state are untouched
    assert snap.unchanged()
    assert all(torch.equal(t, opt_state[k][n]) for k, v in
               model.compiled.optimizer.state.items() for n, t in v.items())
    assert np.array_equal(np.random.get_state()[1], np_state)
    assert torch.equal(torch.get_rng_state(), torch_state)


def test_overfit_fails_with_a_tiny_learning_rate(digits, dense_net):
    x, y = digits
    model = dense_net(optimizer=nnlab.optimizers.SGD(learning_rate=1e-5))
    report = overfit_small_subset(model, x, y, n=20, epochs=20)
    assert not report.ok and not report.reached_target and not report.loss_near_zero
    assert "FAILED" in str(report)


@pytest.mark.parametrize("kwargs, match", [
    ({"n": 0}, "n must be an int >= 1, got 0"),
    ({"n": 100}, r"n must be <= the number of samples \(50\), got 100"),
    ({"epochs": 2.5}, "epochs must be an int >= 1, got 2.5"),
    ({"target_accuracy": 1.5}, r"target_accuracy must be a finite number in \(0.0, 1.0\]"),
])
def test_overfit_bad_arguments(kwargs, match, digits, dense_net):
    x, y = digits
    with pytest.raises(ValueError, match=match):
        overfit_small_subset(dense_net(), x[:50], y[:50], **kwargs)


def test_overfit_needs_a_compiled_model(digits):
    x, y = digits
    model = nnlab.Sequential([Dense(10, input_shape=(64,), activation="softmax")])
    with pytest.raises(ValueError, match="model must be a compiled nnlab model"):
        overfit_small_subset(model, x, y)
