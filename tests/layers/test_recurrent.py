"""SimpleRNN, LSTM and GRU: the shared harness, Keras 3 parity (shapes, parameter counts and
outputs with copied weights), stateful use, initial_state in a functional seq2seq model."""
import os
import tempfile

import numpy as np
import pytest
import torch

import nnlab
from nnlab import layers as L
from nnlab.errors import ShapeError
from tests.layer_harness import run_layer_test


# ----------------------------------------------------------------------- Keras helpers
def keras_shapes(keras, keras_layer, input_shape):
    """Output shapes (batch None) of a Keras layer called on a symbolic input."""
    out = keras_layer(keras.Input(shape=input_shape))
    return [tuple(t.shape) for t in (out if isinstance(out, (list, tuple)) else [out])]


def counts(layer):
    """(trainable, non-trainable) parameter counts of a Keras or nnlab layer."""
    trainable = sum(int(np.prod(w.shape)) for w in layer.trainable_weights)
    frozen = sum(int(np.prod(w.shape)) for w in layer.non_trainable_weights)
    return trainable, frozen


def nnlab_shapes(layer, input_shape):
    out = layer(nnlab.Input(shape=input_shape))
    return [t.shape for t in (out if isinstance(out, list) else [out])]


def randomize(keras_layer, rng):
    keras_layer.set_weights([rng.normal(0, 0.5, w.shape).astype("float32")
                             for w in keras_layer.get_weights()])


def outputs(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def to_numpy(t):
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


# ----------------------------------------------------------------------- harness
@pytest.mark.parametrize("make, shape, expected, params", [
    (lambda: L.SimpleRNN(3), (4, 2), (None, 3), 3 * (2 + 3) + 3),
    (lambda: L.SimpleRNN(3, activation="relu", return_sequences=True), (4, 2), (None, 4, 3), 18),
    (lambda: L.LSTM(3), (4, 2), (None, 3), 4 * (3 * (2 + 3) + 3)),
    (lambda: L.LSTM(3, return_sequences=True, go_backwards=True), (4, 2), (None, 4, 3), 72),
    (lambda: L.GRU(3), (4, 2), (None, 3), 3 * (3 * (2 + 3) + 2 * 3)),
    (lambda: L.GRU(3, use_bias=False, return_sequences=True), (4, 2), (None, 4, 3), 45),
])
def test_harness_with_gradcheck(make, shape, expected, params):
    run_layer_test(make, shape, expected, params, gradcheck=True)


def test_harness_return_state_and_options():
    run_layer_test(lambda: L.LSTM(4, return_sequences=True, return_state=True), (None, 3),
                   [(None, None, 4), (None, 4), (None, 4)], 4 * (4 * 7 + 4))
    run_layer_test(lambda: L.GRU(4, return_state=True, dropout=0.3, kernel_regularizer="l2"),
                   (5, 3), [(None, 4), (None, 4)], 3 * (4 * 7 + 8))
    run_layer_test(lambda: L.SimpleRNN(4, recurrent_regularizer="l2", unroll=True), (5, 3),
                   (None, 4), 4 * 7 + 4)


def test_variable_length_sequences():
    layer = L.LSTM(4, return_sequences=True)
    model = nnlab.Model(inp := nnlab.Input((None, 3)), layer(inp))
    assert model.output_shape == (None, None, 4)
    assert model(torch.randn(2, 7, 3)).shape == (2, 7, 4)
    assert model(torch.randn(2, 2, 3)).shape == (2, 2, 4)


# ----------------------------------------------------------------------- Keras parity
CONFIGS = [
    ("SimpleRNN", dict(units=5)),
    ("SimpleRNN", dict(units=5, activation="relu", return_sequences=True, return_state=True)),
    ("LSTM", dict(units=5)),
    ("LSTM", dict(units=5, return_sequences=True)),
    ("LSTM", dict(units=5, return_state=True)),
    ("LSTM", dict(units=5, return_sequences=True, return_state=True, go_backwards=True)),
    ("LSTM", dict(units=5, use_bias=False, return_sequences=True)),
    ("GRU", dict(units=5)),
    ("GRU", dict(units=5, return_sequences=True, return_state=True)),
    ("GRU", dict(units=5, go_backwards=True, return_sequences=True)),
    ("GRU", dict(units=5, use_bias=False)),
]


@pytest.mark.parametrize("kind, kwargs", CONFIGS)
def test_keras_parity_shapes_counts_and_outputs(keras, kind, kwargs):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 6, 4)).astype("float32")
    k_layer = getattr(keras.layers, kind)(**kwargs)
    n_layer = getattr(L, kind)(**kwargs)
    assert nnlab_shapes(n_layer, (6, 4)) == keras_shapes(keras, k_layer, (6, 4))
    assert nnlab_shapes(getattr(L, kind)(**kwargs), (None, 4)) == \
        keras_shapes(keras, getattr(keras.layers, kind)(**kwargs), (None, 4))
    assert counts(n_layer) == counts(k_layer)
    randomize(k_layer, rng)
    n_layer.set_weights(k_layer.get_weights())
    n_layer.eval()
    expected = [to_numpy(o) for o in outputs(k_layer(x))]
    got = [to_numpy(o) for o in outputs(n_layer(torch.from_numpy(x)))]
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
def test_keras_parity_initial_state(keras, kind):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    n_states = 2 if kind == "LSTM" else 1
    states = [rng.normal(size=(2, 4)).astype("float32") for _ in range(n_states)]
    k_layer = getattr(keras.layers, kind)(4, return_sequences=True)
    k_layer.build((None, 5, 3))
    randomize(k_layer, rng)
    n_layer = getattr(L, kind)(4, return_sequences=True)
    n_layer.maybe_build((None, 5, 3))
    n_layer.set_weights(k_layer.get_weights())
    expected = to_numpy(k_layer(x, initial_state=states))
    got = to_numpy(n_layer(torch.from_numpy(x), initial_state=[torch.from_numpy(s)
                                                              for s in states]))
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=1e-5)


def test_default_initialisation_matches_keras_conventions():
    layer = L.LSTM(6)
    layer.build((None, 5, 3))
    bias = layer.bias.detach()
    assert torch.equal(bias[6:12], torch.ones(6))  # unit_forget_bias
    assert torch.equal(bias[:6], torch.zeros(6)) and torch.equal(bias[12:], torch.zeros(12))
    rec = layer.recurrent_kernel.detach()  # orthogonal: columns orthonormal
    torch.testing.assert_close(rec.T @ rec, torch.eye(6), atol=1e-5, rtol=0)
    assert L.LSTM(6, unit_forget_bias=False)(torch.zeros(1, 2, 3)).shape == (1, 6)


# ----------------------------------------------------------------------- kernels, not loops
@pytest.mark.parametrize("kind, fn", [("LSTM", "lstm"), ("GRU", "gru"),
                                      ("SimpleRNN", "rnn_tanh")])
def test_one_fused_kernel_call_per_sequence(monkeypatch, kind, fn):
    real = getattr(torch, fn)
    calls = []
    monkeypatch.setattr(torch, fn, lambda *a: calls.append(1) or real(*a))
    layer = getattr(L, kind)(8, return_sequences=True)
    out = layer(torch.randn(2, 50, 3))
    out.sum().backward()
    assert out.shape == (2, 50, 8) and len(calls) == 1


# ----------------------------------------------------------------------- stateful, seq2seq
def test_stateful_lstm_two_halves_equal_one_call():
    whole = L.LSTM(4, return_sequences=True, return_state=True)
    x = torch.randn(2, 10, 3)
    full, h, c = whole(x)
    stateful = L.LSTM(4, return_sequences=True, return_state=True, stateful=True)
    stateful(x[:, :1])
    stateful.load_state_dict(whole.state_dict())
    stateful.reset_states()
    first, _, _ = stateful(x[:, :6])
    second, h2, c2 = stateful(x[:, 6:])
    torch.testing.assert_close(torch.cat([first, second], 1), full)
    torch.testing.assert_close((h2, c2), (h, c))
    assert not stateful.states[0].requires_grad  # detached: truncated BPTT
    stateful.reset_states()
    again, _, _ = stateful(x[:, :6])
    torch.testing.assert_close(again, first)
    with pytest.raises(ValueError, match="reset_states"):
        stateful(x[:1, 6:])


def test_stateful_gru_in_sequential_keeps_state_across_batches():
    model = nnlab.Sequential([L.GRU(4, stateful=True, input_shape=(None, 2)), L.Dense(1)])
    x = torch.randn(3, 8, 2)
    a = model(x[:, :4])
    b = model(x[:, :4])
    assert not torch.allclose(a, b)
    model.layers[0].reset_states()
    torch.testing.assert_close(model(x[:, :4]), a)


def test_seq2seq_functional_model_with_initial_state():
    enc_in = nnlab.Input((None, 6))
    encoder = L.LSTM(8, return_state=True)
    _, h, c = encoder(enc_in)
    dec_in = nnlab.Input((None, 5))
    decoder_lstm = L.LSTM(8, return_sequences=True, return_state=True)
    dec_out, _, _ = decoder_lstm(dec_in, initial_state=[h, c])
    dense = L.Dense(5, activation="softmax")
    probs = dense(dec_out)
    model = nnlab.Model([enc_in, dec_in], probs)
    assert model.output_shape == (None, None, 5)
    xe, xd = torch.randn(2, 7, 6), torch.randn(2, 4, 5)
    out = model([xe, xd])
    assert out.shape == (2, 4, 5)
    # the decoder really starts from the encoder's final states
    _, h_real, c_real = encoder(xe)
    torch.testing.assert_close(dense(decoder_lstm(xd, initial_state=[h_real, c_real])[0]), out)
    assert not torch.allclose(dense(decoder_lstm(xd)[0]), out)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "s2s.nnlab")
        model.save(path)
        loaded = nnlab.load_model(path)
        torch.testing.assert_close(loaded([xe, xd]), out, rtol=0, atol=0)


# ----------------------------------------------------------------------- dropout, errors
def test_input_dropout_only_in_training():
    layer = L.LSTM(4, dropout=0.5, return_sequences=True)
    x = torch.randn(3, 5, 2)
    layer.eval()
    torch.testing.assert_close(layer(x), layer(x))
    assert not torch.allclose(layer(x, training=True), layer(x))


def test_errors_are_clear():
    with pytest.raises(ValueError, match="activation='relu'.*tanh"):
        L.LSTM(4, activation="relu")
    with pytest.raises(ValueError, match="recurrent_activation='hard_sigmoid'"):
        L.GRU(4, recurrent_activation="hard_sigmoid")
    with pytest.raises(ValueError, match="'tanh' or 'relu'"):
        L.SimpleRNN(4, activation="sigmoid")
    with pytest.raises(ValueError, match=r"LSTM: recurrent_dropout must be in \[0, 1\), got 1.5"):
        L.LSTM(4, recurrent_dropout=1.5)
    with pytest.raises(ShapeError, match=r"lstm_bad.*rank 3.*\(None, 5\)"):
        L.LSTM(4, name="lstm_bad")(nnlab.Input((5,)))
    layer = L.LSTM(4, name="lstm_feat")
    layer(torch.randn(2, 3, 5))
    with pytest.raises(ShapeError, match="lstm_feat.*5 on axis -1"):
        layer(torch.randn(2, 3, 6))
    with pytest.raises(ShapeError, match=r"initial states of shape \(2, 4\)"):
        layer(torch.randn(2, 3, 5), initial_state=[torch.zeros(2, 3), torch.zeros(2, 3)])
    with pytest.raises(ValueError, match="list of 2"):
        layer(torch.randn(2, 3, 5), initial_state=[torch.zeros(2, 4)])
    assert L.SimpleRNN(3, activation=nnlab.activations.get("relu"))._activation == "relu"
