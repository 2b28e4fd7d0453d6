"""Bidirectional and TimeDistributed: harness, Keras 3 parity (shapes, counts, outputs)."""
import os
import tempfile

import numpy as np
import pytest
import torch

import nnlab
from nnlab import layers as L
from nnlab.errors import ShapeError
from tests.layer_harness import run_layer_test
from tests.layers.test_recurrent import (
    counts,
    keras_shapes,
    nnlab_shapes,
    outputs,
    randomize,
    to_numpy,
)

MODES = ["concat", "sum", "mul", "ave", None]


# ----------------------------------------------------------------------- harness
@pytest.mark.parametrize("mode", MODES)
def test_bidirectional_harness(mode):
    out = (None, 3, 6) if mode == "concat" else (None, 3, 3)
    expected = [(None, 3, 3), (None, 3, 3)] if mode is None else out
    run_layer_test(lambda: L.Bidirectional(L.LSTM(3, return_sequences=True), merge_mode=mode),
                   (3, 2), expected, 2 * 4 * (3 * 5 + 3), gradcheck=mode == "concat")


def test_bidirectional_harness_gru_return_state():
    run_layer_test(lambda: L.Bidirectional(L.GRU(3, return_state=True)), (4, 2),
                   [(None, 6), (None, 3), (None, 3)], 2 * 3 * (3 * 5 + 6), gradcheck=True)


def test_time_distributed_harness():
    run_layer_test(lambda: L.TimeDistributed(L.Dense(4, activation="tanh")), (5, 3),
                   (None, 5, 4), 16, gradcheck=True)
    run_layer_test(lambda: L.TimeDistributed(L.Flatten()), (5, 2, 3), (None, 5, 6), 0)


def test_time_distributed_wraps_a_torch_module():
    layer = L.TimeDistributed(torch.nn.Linear(3, 2))
    model = nnlab.Sequential([nnlab.Input((4, 3)), layer])
    assert model.output_shape == (None, 4, 2) and model.count_params() == 8
    x = torch.randn(2, 4, 3)
    torch.testing.assert_close(model(x), layer.layer.module(x))


# ----------------------------------------------------------------------- Keras parity
BIDI = [("LSTM", dict(return_sequences=True), m) for m in MODES] + [
    ("LSTM", dict(), "concat"),
    ("LSTM", dict(return_state=True), "concat"),
    ("LSTM", dict(return_sequences=True, return_state=True), None),
    ("GRU", dict(return_sequences=True, return_state=True), "sum"),
    ("GRU", dict(), "ave"),
    ("SimpleRNN", dict(return_sequences=True), "concat"),
]


@pytest.mark.parametrize("kind, kwargs, mode", BIDI)
def test_bidirectional_keras_parity(keras, kind, kwargs, mode):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    k_layer = keras.layers.Bidirectional(getattr(keras.layers, kind)(4, **kwargs),
                                         merge_mode=mode)
    n_layer = L.Bidirectional(getattr(L, kind)(4, **kwargs), merge_mode=mode)
    assert nnlab_shapes(n_layer, (5, 3)) == keras_shapes(keras, k_layer, (5, 3))
    assert counts(n_layer) == counts(k_layer)
    randomize(k_layer, rng)
    n_layer.forward_layer.set_weights(
        k_layer.forward_layer.get_weights())
    n_layer.backward_layer.set_weights(
        k_layer.backward_layer.get_weights())
    n_layer.eval()
    expected = [to_numpy(o) for o in outputs(k_layer(x))]
    fused = outputs(n_layer(torch.from_numpy(x)))
    n_layer._fusable = lambda training: False  # the two-call path must agree
    unfused = outputs(n_layer(torch.from_numpy(x)))
    assert len(fused) == len(unfused) == len(expected)
    for f, u, e in zip(fused, unfused, expected):
        np.testing.assert_allclose(to_numpy(f), e, atol=1e-5, rtol=1e-5)
        np.testing.assert_allclose(to_numpy(u), e, atol=1e-5, rtol=1e-5)


def test_time_distributed_keras_parity(keras):
    k_layer = keras.layers.TimeDistributed(keras.layers.Dense(6))
    n_layer = L.TimeDistributed(L.Dense(6))
    assert nnlab_shapes(n_layer, (7, 4)) == keras_shapes(keras, k_layer, (7, 4))
    assert counts(n_layer) == counts(k_layer)
    x = torch.randn(2, 7, 4)
    per_step = torch.stack([n_layer.layer(x[:, t]) for t in range(7)], 1)
    torch.testing.assert_close(n_layer(x), per_step)


# ----------------------------------------------------------------------- use in models
def test_bidirectional_in_sequential_save_load():
    model = nnlab.Sequential([
        L.Embedding(50, 8, input_length=6),
        L.Bidirectional(L.LSTM(5, return_sequences=True)),
        L.Bidirectional(L.GRU(4), merge_mode="sum"),
        L.Dense(2),
    ])
    assert model.output_shape == (None, 2)
    x = torch.randint(0, 50, (3, 6))
    model.eval()
    out = model(x)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "bi.nnlab")
        model.save(path)
        loaded = nnlab.load_model(path)
        loaded.eval()
        torch.testing.assert_close(loaded(x), out, rtol=0, atol=0)


def test_bidirectional_initial_state_and_dropout_path():
    layer = L.Bidirectional(L.LSTM(4, return_sequences=True, dropout=0.3))
    x = torch.randn(2, 5, 3)
    states = [torch.randn(2, 4) for _ in range(4)]
    layer.eval()
    a = layer(x, initial_state=states)
    assert not torch.allclose(a, layer(x))
    assert layer(x, training=True).shape == (2, 5, 8)  # dropout: the two-call path
    with pytest.raises(ValueError, match="4 tensors"):
        layer(x, initial_state=states[:2])


def test_stateful_bidirectional_and_input_shape_forwarding():
    layer = L.Bidirectional(L.GRU(3, stateful=True, return_sequences=True), input_shape=(4, 2))
    model = nnlab.Sequential([layer])
    x = torch.randn(2, 4, 2)
    first = model(x)
    assert not torch.allclose(model(x), first)
    layer.reset_states()
    torch.testing.assert_close(model(x), first)
    assert nnlab.Sequential([L.Bidirectional(L.LSTM(3, input_shape=(4, 2)))]).output_shape \
        == (None, 6)


def test_wrapper_errors():
    with pytest.raises(ValueError, match="merge_mode"):
        L.Bidirectional(L.LSTM(3), merge_mode="max")
    with pytest.raises(ValueError, match="SimpleRNN, LSTM or GRU"):
        L.Bidirectional(L.Dense(3))
    with pytest.raises(TypeError, match="torch.nn.Module"):
        L.TimeDistributed("dense")
    with pytest.raises(ShapeError, match="rank >= 3"):
        L.TimeDistributed(L.Dense(3))(nnlab.Input((4,)))
