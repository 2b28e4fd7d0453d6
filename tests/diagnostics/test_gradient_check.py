"""gradient_check: correct layers pass in float64, a wrong backward is caught."""
import math

import numpy as np
import pytest
import torch

import nnlab
from nnlab.diagnostics import GradCheckReport, gradient_check, relative_error_verdict
from nnlab.layers import LSTM, BatchNormalization, Conv2D, Dense, Dropout, Flatten, Layer


def _x(*shape, seed=1):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def _passes(report: GradCheckReport) -> None:
    assert report.max_error < 1e-6, str(report)
    assert report.ok and report.verdict == "fine"
    assert "input" in report.per_tensor
    assert all(c.checked > 0 for c in report.checks)


def test_dense_model(snapshot):
    model = nnlab.Sequential([Dense(16, input_shape=(8,), activation="tanh", name="hidden"),
                              Dense(4, activation="softmax", name="out")])
    snap = snapshot(model)
    rng = torch.get_rng_state()
    report = gradient_check(model, _x(5, 8))
    _passes(report)
    assert list(report.per_tensor) == ["hidden/kernel", "hidden/bias", "out/kernel",
                                       "out/bias", "input"]
    # every coordinate of tensors up to 64 elements, 20 of larger ones
    assert [c.checked for c in report.checks] == [20, 16, 64, 4, 40]
    # the model is untouched: float32 weights, same values, same mode; RNG untouched
    assert snap.unchanged() and next(model.parameters()).dtype == torch.float32
    assert torch.equal(torch.get_rng_state(), rng)


def test_conv2d_model():
    model = nnlab.Sequential([Conv2D(3, 3, input_shape=(6, 6, 2), activation="tanh"),
                              Flatten(), Dense(3)])
    _passes(gradient_check(model, _x(2, 6, 6, 2)))


def test_lstm_model():
    model = nnlab.Sequential([LSTM(5, input_shape=(4, 3)), Dense(2)])
    _passes(gradient_check(model, _x(3, 4, 3)))


@pytest.mark.parametrize("training", [False, True])
def test_batch_normalization_in_both_modes(training, snapshot):
    # The Dense bias before BN has a zero gradient in training mode (BN subtracts the
    # batch mean): numeric and analytic are both round-off, which must not read "wrong".
    model = nnlab.Sequential([Dense(6, input_shape=(4,)), BatchNormalization(), Dense(3)])
    snap = snapshot(model)
    report = gradient_check(model, _x(8, 4), training=training)
    _passes(report)
    assert report.training is training
    assert snap.unchanged()  # moving statistics not updated on the user's model


class _WrongTanh(torch.autograd.Function):
    """tanh whose backward is scaled by 1.1: the kind of bug gradient checking catches."""

    @staticmethod
    def forward(ctx, x):
        y = torch.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return 1.1 * grad * (1 - y * y)


class WrongTanh(Layer):
    def compute_output_shape(self, input_shape):
        return input_shape

    def call(self, inputs):
        return _WrongTanh.apply(inputs)


def test_wrong_backward_is_caught():
    model = nnlab.Sequential([Dense(5, input_shape=(3,), name="before"), WrongTanh(),
                              Dense(2, name="after")])
    report = gradient_check(model, _x(4, 3))
    assert report.max_error > 1e-3 and not report.ok and report.verdict == "wrong"
    # |1.1 a - a| / (2.1 |a|) = 0.0476: the tensors upstream of the bug are wrong,
    # the ones after it are fine -- the table points at the layer.
    assert report.per_tensor["before/kernel"] == pytest.approx(0.1 / 2.1, rel=1e-4)
    assert report.per_tensor["input"] > 1e-3
    assert report.per_tensor["after/kernel"] < 1e-7
    text = str(report)
    assert "before/kernel" in text and "wrong" in text and "FAILED" in text


def test_lazy_layer_dropout_and_custom_loss(snapshot):
    layer = Dense(3)  # not built: built on the copy only
    report = gradient_check(layer, np.random.default_rng(0).normal(size=(4, 5)),
                            loss_fn=lambda y: (y ** 3).sum(), num_checks=4)
    _passes(report)
    assert not layer.built and [c.checked for c in report.checks] == [4, 3, 4]
    # dropout is off in training mode (a random mask would break the finite differences)
    model = nnlab.Sequential([Dense(6, input_shape=(4,), activation="tanh"), Dropout(0.5),
                              Dense(2)])
    _passes(gradient_check(model, _x(3, 4), training=True))


def test_verdicts():
    assert relative_error_verdict(5e-8) == "fine"
    assert relative_error_verdict(5e-6) == "suspicious"
    assert relative_error_verdict(5e-4) == "probably wrong"
    assert relative_error_verdict(0.2) == "wrong"
    assert relative_error_verdict(math.inf) == "wrong"


@pytest.mark.parametrize("kwargs, match", [
    ({"model_or_layer": "dense"}, "model_or_layer must be a torch.nn.Module"),
    ({"inputs": "pixels"}, "inputs must be a torch tensor or numpy array"),
    ({"inputs": []}, "non-empty list"),
    ({"eps": -1e-6}, r"eps must be a finite number in \(0.0, 0.1\], got -1e-06"),
    ({"num_checks": 0}, "num_checks must be an int >= 1, got 0"),
    ({"loss_fn": 3}, "loss_fn must be a callable"),
    ({"loss_fn": lambda y: y}, "loss_fn must return a scalar tensor, got Tensor of shape"),
])
def test_bad_arguments(kwargs, match):
    args = {"model_or_layer": nnlab.Sequential([Dense(2, input_shape=(3,))]),
            "inputs": _x(2, 3)}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        gradient_check(**args)
