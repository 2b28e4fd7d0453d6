"""Masked recurrent layers: a padded batch gives each sequence's unpadded result (right,
left and holey masks; every layer, Bidirectional), Keras 3 parity on copied weights, and
which path (packed fused kernel or masked loop) runs."""
import numpy as np
import pytest
import torch

from nnlab import layers as L
from nnlab.errors import ShapeError

LENGTHS = [7, 4, 1, 0]


def make_mask(side, steps=7, lengths=LENGTHS):
    mask = torch.zeros(len(lengths), steps, dtype=torch.bool)
    for b, n in enumerate(lengths):
        if side == "right":
            mask[b, :n] = True
        elif side == "left":
            mask[b, steps - n:] = True
        else:  # holes: every other step, at most n of them
            mask[b, ::2][:n] = True
            mask[b, 0] = n > 0
    return mask


KINDS = [
    lambda **k: L.SimpleRNN(5, **k),
    lambda **k: L.SimpleRNN(5, activation="relu", **k),
    lambda **k: L.LSTM(5, **k),
    lambda **k: L.GRU(5, **k),
    lambda **k: L.GRU(5, reset_after=False, **k),
]


@pytest.mark.parametrize("make", KINDS)
@pytest.mark.parametrize("side", ["right", "left", "holes"])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_padded_batch_equals_each_sequence_alone(make, side, go_backwards):
    torch.manual_seed(0)
    layer = make(return_sequences=True, return_state=True, go_backwards=go_backwards).eval()
    x = torch.randn(len(LENGTHS), 7, 3)
    mask = make_mask(side)
    out, *states = layer(x, mask=mask)
    for b in range(len(LENGTHS)):
        alone = x[b:b + 1, mask[b]]
        if alone.shape[1] == 0:  # an all-masked row keeps the initial (zero) state
            for s in states:
                torch.testing.assert_close(s[b], torch.zeros(5), atol=1e-6, rtol=0)
            continue
        ref, *ref_states = layer(alone)
        for s, r in zip(states, ref_states):
            torch.testing.assert_close(s[b:b + 1], r, atol=1e-6, rtol=0)
        kept = out[b][mask[b].flip(0) if go_backwards else mask[b]]
        torch.testing.assert_close(kept, ref[0], atol=1e-6, rtol=0)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("side", ["right", "left", "holes"])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_bidirectional_padded_equals_alone(kind, side, return_sequences):
    torch.manual_seed(1)
    layer = L.Bidirectional(getattr(L, kind)(4, return_sequences=return_sequences)).eval()
    x = torch.randn(3, 7, 3)
    mask = make_mask(side, lengths=[7, 4, 2])
    out = layer(x, mask=mask)
    for b in range(3):
        ref = layer(x[b:b + 1, mask[b]])
        got = out[b:b + 1, mask[b]] if return_sequences else out[b:b + 1]
        torch.testing.assert_close(got, ref, atol=1e-6, rtol=0)
        if return_sequences:  # Keras: masked steps of Bidirectional sequences are zeros
            assert torch.all(out[b, ~mask[b]] == 0)


def test_masked_steps_carry_the_previous_output():
    layer = L.LSTM(3, return_sequences=True).eval()
    x = torch.randn(2, 5, 2)
    mask = torch.tensor([[1, 1, 0, 1, 0], [0, 0, 1, 1, 1]], dtype=torch.bool)
    out = layer(x, mask=mask)
    torch.testing.assert_close(out[0, 2], out[0, 1])
    torch.testing.assert_close(out[0, 4], out[0, 3])
    assert torch.all(out[1, :2] == 0)  # before the first kept step: zeros


def test_zero_output_for_mask_and_config_round_trip():
    layer = L.GRU(3, return_sequences=True, zero_output_for_mask=True).eval()
    x = torch.randn(1, 4, 2)
    mask = torch.tensor([[True, False, True, False]])
    out = layer(x, mask=mask)
    assert torch.all(out[0, 1] == 0) and torch.all(out[0, 3] == 0) and out[0, 2].abs().sum() > 0
    clone = L.GRU.from_config(layer.get_config())
    assert clone.zero_output_for_mask and not L.GRU(3).zero_output_for_mask


def _keras_to_state_dict(kind, weights, units, reset_after=True):
    """Keras' RNN weights as an nnlab state_dict (not set_weights: its layout is changing)."""
    def order(a):
        if kind != "GRU":
            return a
        return np.concatenate([a[..., units:2 * units], a[..., :units], a[..., 2 * units:]], -1)
    state = {"kernel": torch.tensor(order(weights[0]).T.copy()),
             "recurrent_kernel": torch.tensor(order(weights[1]).T.copy())}
    if len(weights) > 2:
        state["bias"] = torch.tensor(order(weights[2]).copy())
    return state


@pytest.mark.parametrize("kind, kwargs", [
    ("SimpleRNN", {}), ("LSTM", {}), ("LSTM", {"go_backwards": True}), ("GRU", {}),
    ("GRU", {"reset_after": False}), ("GRU", {"reset_after": False, "go_backwards": True}),
])
@pytest.mark.parametrize("side", ["right", "left", "holes"])
def test_keras_parity_with_masks(keras, kind, kwargs, side):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 7, 3)).astype("float32")
    mask = make_mask(side).numpy()
    k_layer = getattr(keras.layers, kind)(5, return_sequences=True, return_state=True, **kwargs)
    k_layer.build((None, 7, 3))
    k_layer.set_weights([rng.normal(0, 0.5, w.shape).astype("float32")
                         for w in k_layer.get_weights()])
    n_layer = getattr(L, kind)(5, return_sequences=True, return_state=True, **kwargs).eval()
    n_layer.maybe_build((None, 7, 3))
    n_layer.load_state_dict(_keras_to_state_dict(kind, k_layer.get_weights(), 5))
    expected = [np.asarray(o.detach().cpu()) for o in k_layer(x, mask=mask)]
    got = [o.detach().numpy() for o in n_layer(torch.from_numpy(x), mask=torch.from_numpy(mask))]
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_keras_parity_bidirectional_with_mask(keras, kind):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(4, 7, 3)).astype("float32")
    mask = make_mask("left").numpy()
    k_layer = keras.layers.Bidirectional(getattr(keras.layers, kind)(4, return_sequences=True))
    k_layer.build((None, 7, 3))
    k_layer.set_weights([rng.normal(0, 0.5, w.shape).astype("float32")
                         for w in k_layer.get_weights()])
    n_layer = L.Bidirectional(getattr(L, kind)(4, return_sequences=True)).eval()
    n_layer.maybe_build((None, 7, 3))
    for k_sub, n_sub in ((k_layer.forward_layer, n_layer.forward_layer),
                         (k_layer.backward_layer, n_layer.backward_layer)):
        n_sub.load_state_dict(_keras_to_state_dict(kind, k_sub.get_weights(), 4))
    expected = np.asarray(k_layer(x, mask=mask).detach().cpu())
    got = n_layer(torch.from_numpy(x), mask=torch.from_numpy(mask)).detach().numpy()
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=1e-5)


def test_padded_masks_use_the_fused_kernel_and_holes_the_loop(monkeypatch):
    calls = {"lstm": 0, "cell": 0}
    real_lstm, real_cell = torch.lstm, torch.lstm_cell

    def lstm(*a, **k):
        calls["lstm"] += 1
        return real_lstm(*a, **k)

    def cell(*a, **k):
        calls["cell"] += 1
        return real_cell(*a, **k)

    monkeypatch.setattr(torch, "lstm", lstm)
    monkeypatch.setattr(torch, "lstm_cell", cell)
    layer = L.LSTM(4)
    x = torch.randn(4, 7, 3)
    layer(x, mask=make_mask("right"))
    layer(x, mask=make_mask("left"))
    assert calls == {"lstm": 2, "cell": 0}
    layer(x, mask=make_mask("holes"))
    assert calls == {"lstm": 2, "cell": 7}


def test_mask_shape_mismatch_is_a_clear_error():
    layer = L.LSTM(4, name="lstm_masked")
    with pytest.raises(ShapeError, match=r"lstm_masked.*mask of shape \(batch, timesteps\) = "
                                         r"\(2, 5\).*got a mask of shape \(2, 4\)"):
        layer(torch.randn(2, 5, 3), mask=torch.ones(2, 4, dtype=torch.bool))
    with pytest.raises(ShapeError, match="global_average_pooling1d.*got a mask of shape"):
        L.GlobalAveragePooling1D()(torch.randn(2, 5, 3), mask=torch.ones(3, 5))
