"""Keras-style masks: Masking and Embedding(mask_zero=True) make them, Sequential and
functional models carry them through layers that keep the time axis, pooling, attention
and the losses and metrics in fit consume them."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab import layers as L
from tests.layer_harness import run_layer_test


def test_masking_layer_harness_and_mask():
    run_layer_test(lambda: L.Masking(0.0), (5, 3), expected_output_shape=(None, 5, 3),
                   train_step=False)
    x = torch.tensor([[[1.0, 0.0], [0.0, 0.0], [2.0, 3.0]]])
    y = L.Masking()(x)
    assert y._keras_mask.tolist() == [[True, False, True]]
    torch.testing.assert_close(y, x)
    y = L.Masking(mask_value=2.0)(torch.full((1, 2, 2), 2.0))
    assert y._keras_mask.tolist() == [[False, False]] and torch.all(y == 0)
    with pytest.raises(ValueError, match="Masking: mask_value must be a number, got 'x'"):
        L.Masking("x")


def test_masking_matches_keras(keras):
    x = np.array([[[1.0, 0.0], [0.0, 0.0], [5.0, 5.0]]], dtype="float32")
    k_out = keras.layers.Masking(mask_value=5.0)(x)
    n_out = L.Masking(mask_value=5.0)(torch.from_numpy(x))
    np.testing.assert_array_equal(n_out.numpy(), np.asarray(k_out.detach().cpu()))
    np.testing.assert_array_equal(n_out._keras_mask.numpy(),
                                  np.asarray(k_out._keras_mask.detach().cpu()))


def test_mask_flows_through_sequential_and_functional():
    ids = torch.tensor([[4, 5, 6, 0, 0], [0, 0, 1, 2, 3]])
    seq = nnlab.Sequential([L.Embedding(10, 4, mask_zero=True, input_shape=(None,)),
                            L.Dropout(0.5), L.Dense(3), L.TimeDistributed(L.Dense(2)),
                            L.LSTM(3, return_sequences=True)]).eval()
    out = seq(ids)
    assert out._keras_mask.tolist() == (ids != 0).tolist()
    inp = nnlab.Input((None,), dtype="int64")
    h = L.Embedding(10, 4, mask_zero=True)(inp)
    h = L.GRU(3, return_sequences=True)(L.Dense(4)(h))
    pooled = L.GlobalAveragePooling1D()(h)
    model = nnlab.Model(inp, [h, pooled]).eval()
    seqs, mean = model(ids)
    assert seqs._keras_mask.tolist() == (ids != 0).tolist()
    assert getattr(mean, "_keras_mask", None) is None
    for b in range(2):  # the masked mean equals the mean over the kept steps only
        torch.testing.assert_close(mean[b], seqs[b][ids[b] != 0].mean(0))


def test_pooling_ignores_masked_steps():
    x = torch.randn(2, 5, 3)
    mask = torch.tensor([[1, 1, 1, 0, 0], [0, 1, 1, 1, 1]], dtype=torch.bool)
    avg = L.GlobalAveragePooling1D()(x, mask=mask)
    mx = L.GlobalMaxPooling1D()(x, mask=mask)
    for b in range(2):
        torch.testing.assert_close(avg[b], x[b][mask[b]].mean(0))
        torch.testing.assert_close(mx[b], x[b][mask[b]].amax(0))
    first = L.GlobalAveragePooling1D(data_format="channels_first")
    torch.testing.assert_close(first(x.transpose(1, 2), mask=mask), avg)


def test_attention_takes_masks_from_its_inputs():
    torch.manual_seed(0)
    ids_q = torch.tensor([[1, 2, 0]])
    ids_v = torch.tensor([[3, 4, 5, 0]])
    emb = L.Embedding(8, 4, mask_zero=True)
    q, v = emb(ids_q), emb(ids_v)
    out = L.Attention()([q, v])
    ref = L.Attention()([q[:, :2], v[:, :3]])
    torch.testing.assert_close(out[:, :2], ref)
    assert torch.all(out[:, 2] == 0) and out._keras_mask.tolist() == [[True, True, False]]


def test_layer_without_mask_support_warns_and_drops_it():
    with pytest.warns(UserWarning, match="does not support masking"):
        out = L.Flatten()(L.Embedding(5, 2, mask_zero=True)(torch.tensor([[1, 0]])))
    assert getattr(out, "_keras_mask", None) is None


def _tagger(seed=0):
    torch.manual_seed(seed)
    model = nnlab.Sequential([L.Embedding(12, 6, mask_zero=True, input_shape=(None,)),
                              L.LSTM(8, return_sequences=True),
                              L.Dense(4, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_loss_and_metrics_ignore_padded_steps():
    x = torch.tensor([[3, 4, 5, 0, 0], [1, 2, 3, 4, 5], [0, 0, 7, 8, 9]])
    y = torch.tensor([[1, 2, 3, 0, 0], [1, 2, 3, 0, 1], [0, 0, 2, 1, 0]])
    y_other = y.clone()
    y_other[x == 0] = 3  # a different label at every padded step
    model = _tagger()
    assert model.evaluate(x, y, verbose=0) == model.evaluate(x, y_other, verbose=0)
    # The loss is the mean over kept steps (Keras' rule), checked by hand.
    model.eval()
    probs = model(x)
    keep = x != 0
    picked = probs.gather(-1, y[..., None])[..., 0]
    expected = -(picked.clamp(1e-7, 1 - 1e-7).log()[keep]).mean()
    torch.testing.assert_close(model.evaluate(x, y, verbose=0)[0], expected.item(), rtol=1e-5,
                               atol=1e-6)
    # Training on either labelling gives the same weights.
    a, b = _tagger(1), _tagger(1)
    a.fit(x, y, epochs=2, batch_size=3, verbose=0, shuffle=False)
    b.fit(x, y_other, epochs=2, batch_size=3, verbose=0, shuffle=False)
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pa, pb)


def test_masked_loss_matches_keras(keras):
    y_true = np.array([[1, 2, 0], [0, 1, 1]])
    probs = np.random.default_rng(0).dirichlet(np.ones(3), size=(2, 3)).astype("float32")
    mask = np.array([[True, True, False], [True, False, False]])
    k_pred = keras.ops.convert_to_tensor(probs)
    k_pred._keras_mask = keras.ops.convert_to_tensor(mask)
    expected = float(keras.losses.SparseCategoricalCrossentropy()(y_true, k_pred))
    n_pred = torch.from_numpy(probs)
    n_pred._keras_mask = torch.from_numpy(mask)
    got = float(nnlab.losses.SparseCategoricalCrossentropy()(torch.from_numpy(y_true), n_pred))
    assert got == pytest.approx(expected, rel=1e-6)


def _copy_from_keras(n_model, k_model):
    """Keras weights into nnlab through state_dict (Embedding, LSTM/GRU, Dense)."""
    state = {}
    for n_layer, k_layer in zip(n_model.layers, k_model.layers):
        subs = [(n_layer.forward_layer, k_layer.forward_layer, "forward_layer."),
                (n_layer.backward_layer, k_layer.backward_layer, "backward_layer.")] \
            if isinstance(n_layer, L.Bidirectional) else [(n_layer, k_layer, "")]
        for n_sub, k_sub, prefix in subs:
            w = [np.asarray(v) for v in k_sub.get_weights()]
            if isinstance(n_sub, L.GRU):
                u = n_sub.units
                w = [np.concatenate([a[..., u:2 * u], a[..., :u], a[..., 2 * u:]], -1)
                     for a in w]
            names = [k.split(".")[-1] for k in n_sub.state_dict()]
            for name, value in zip(names, w):
                if name in ("kernel", "recurrent_kernel"):
                    value = value.T
                state[f"{n_layer.name}.{prefix}{name}"] = torch.tensor(value.copy())
    n_model.load_state_dict(state)


@pytest.mark.parametrize("arch", ["tagger", "classifier"])
def test_masked_models_match_keras(keras, arch):
    rng = np.random.default_rng(7)
    x = rng.integers(1, 20, size=(6, 8))
    for b, n in enumerate([8, 5, 3, 1, 6, 2]):
        x[b, n:] = 0  # right padding
    x[4] = np.roll(x[4], 2)  # and one left-padded row
    y = rng.integers(0, 4, size=(6, 8) if arch == "tagger" else (6,))

    def build(lib):
        emb = lib.layers.Embedding(20, 8, mask_zero=True)
        if arch == "tagger":
            rest = [lib.layers.LSTM(6, return_sequences=True),
                    lib.layers.Dense(4, activation="softmax")]
        else:
            rest = [lib.layers.Bidirectional(lib.layers.GRU(5, return_sequences=True)),
                    lib.layers.GlobalAveragePooling1D(), lib.layers.Dense(4, activation="softmax")]
        model = lib.Sequential([lib.Input((8,), dtype="int32"), emb] + rest)
        model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    k_model = build(keras)
    for w in k_model.weights:
        w.assign(rng.normal(0, 0.4, w.shape).astype("float32"))
    n_model = build(nnlab)
    _copy_from_keras(n_model, k_model)
    np.testing.assert_allclose(n_model.predict(x, verbose=0),
                               k_model.predict(x, verbose=0), atol=1e-5)
    k_loss, k_acc = k_model.evaluate(x, y, verbose=0)
    n_loss, n_acc = n_model.evaluate(x, y, verbose=0)
    assert n_loss == pytest.approx(k_loss, rel=1e-5) and n_acc == pytest.approx(k_acc)
