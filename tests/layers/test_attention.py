"""Attention, AdditiveAttention, MultiHeadAttention: harness (through a self-attention
wrapper, as the harness feeds one input), Keras 3 parity of counts and outputs, masks,
attention scores in the functional API."""

import numpy as np
import pytest
import torch

import nnlab
from nnlab import layers as L
from nnlab.errors import ShapeError
from nnlab.layers.base.layer import Layer
from tests.layer_harness import run_layer_test


class SelfAttend(Layer):
    """Calls an attention layer on ``[x, x]`` so the one-input harness can test it."""

    def __init__(self, inner: Layer, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner

    def build(self, input_shape):
        self.inner.maybe_build([input_shape, input_shape])

    def compute_output_shape(self, input_shape):
        return self.inner.compute_output_shape([input_shape, input_shape])

    def call(self, x, training=None):
        return self.inner([x, x], training=training)


def k_numpy(keras, t):
    return keras.ops.convert_to_numpy(t)


# ----------------------------------------------------------------------- harness
@pytest.mark.parametrize("make, params", [
    (lambda: L.Attention(), 0),
    (lambda: L.Attention(use_scale=True), 1),
    (lambda: L.Attention(score_mode="concat", use_scale=True), 2),
    (lambda: L.AdditiveAttention(), 6),
    (lambda: L.MultiHeadAttention(2, 3), 3 * (6 * 6 + 6) + 6 * 6 + 6),
    (lambda: L.MultiHeadAttention(2, 3, value_dim=4, use_bias=False, output_shape=5),
     2 * 6 * 6 + 8 * 6 + 8 * 5),
])
def test_harness(make, params):
    expected = (None, 4, 5) if params == 2 * 6 * 6 + 8 * 6 + 8 * 5 else (None, 4, 6)
    run_layer_test(lambda: SelfAttend(make()), (4, 6), expected, params, gradcheck=True)


# ----------------------------------------------------------------------- Keras parity
@pytest.mark.parametrize("kwargs", [dict(), dict(use_scale=True), dict(score_mode="concat"),
                                    dict(score_mode="concat", use_scale=True)])
def test_attention_keras_parity(keras, kwargs):
    rng = np.random.default_rng(0)
    q, v, k = (rng.normal(size=s).astype("float32") for s in [(2, 3, 4), (2, 5, 6), (2, 5, 4)])
    q_mask = np.array([[True, True, False], [True, True, True]])
    v_mask = np.array([[True, True, True, False, False], [True] * 5])
    k_layer = keras.layers.Attention(**kwargs)
    n_layer = L.Attention(**kwargs)
    k_layer([q, v, k])
    n_layer([torch.from_numpy(a) for a in (q, v, k)])
    assert n_layer.count_params() == k_layer.count_params()
    weights = [np.array(1.7, "float32") for _ in k_layer.get_weights()]
    k_layer.set_weights(weights)
    n_layer.set_weights(weights)
    tq, tv, tk = (torch.from_numpy(a) for a in (q, v, k))
    for call in (dict(), dict(use_causal_mask=True), dict(mask=[q_mask, v_mask])):
        n_call = dict(call)
        if "mask" in call:
            n_call["mask"] = [torch.from_numpy(m) for m in call["mask"]]
        k_out, k_scores = k_layer([q, v, k], return_attention_scores=True, **call)
        n_fused = n_layer([tq, tv, tk], **n_call)
        n_out, n_scores = n_layer([tq, tv, tk], return_attention_scores=True, **n_call)
        for got, exp in ((n_fused, k_out), (n_out, k_out), (n_scores, k_scores)):
            np.testing.assert_allclose(got.detach().numpy(), k_numpy(keras, exp), atol=1e-5,
                                       rtol=1e-5)


def test_additive_attention_keras_parity(keras):
    rng = np.random.default_rng(1)
    q, v = rng.normal(size=(2, 3, 4)).astype("float32"), rng.normal(size=(2, 5, 4)).astype(
        "float32")
    k_layer, n_layer = keras.layers.AdditiveAttention(), L.AdditiveAttention()
    k_layer([q, v])
    n_layer([torch.from_numpy(q), torch.from_numpy(v)])
    assert n_layer.count_params() == k_layer.count_params() == 4
    n_layer.set_weights(k_layer.get_weights())
    np.testing.assert_allclose(n_layer([torch.from_numpy(q), torch.from_numpy(v)]).detach()
                               .numpy(), k_numpy(keras, k_layer([q, v])), atol=1e-5, rtol=1e-5)


def copy_mha_weights(keras, k_layer, n_layer, rng):
    """Randomize Keras' weights and copy them into ours in Keras' layouts (query/key/value
    kernels (in, heads, dim), biases (heads, dim), output kernel (heads, dim, out))."""
    k_layer.set_weights([rng.normal(0, 0.4, w.shape).astype("float32")
                         for w in k_layer.get_weights()])
    n_layer.set_weights(k_layer.get_weights())


@pytest.mark.parametrize("kwargs", [dict(), dict(value_dim=3, output_shape=7),
                                    dict(use_bias=False)])
def test_multi_head_attention_keras_parity(keras, kwargs):
    rng = np.random.default_rng(2)
    q, v = rng.normal(size=(2, 4, 6)).astype("float32"), rng.normal(size=(2, 5, 8)).astype(
        "float32")
    k_layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=5, **kwargs)
    n_layer = L.MultiHeadAttention(num_heads=2, key_dim=5, **kwargs)
    k_out = k_layer(keras.Input((4, 6)), keras.Input((5, 8)))
    n_out = n_layer(nnlab.Input((4, 6)), nnlab.Input((5, 8)))
    assert n_out.shape == tuple(k_out.shape)
    assert n_layer.count_params() == k_layer.count_params()
    copy_mha_weights(keras, k_layer, n_layer, rng)
    mask = rng.random((2, 4, 5)) > 0.3
    mask[:, :, 0] = True
    for call in (dict(), dict(attention_mask=mask), dict(use_causal_mask=True)):
        n_call = {k: torch.from_numpy(a) if isinstance(a, np.ndarray) else a
                  for k, a in call.items()}
        k_res, k_scores = k_layer(q, v, return_attention_scores=True, **call)
        n_fused = n_layer(torch.from_numpy(q), torch.from_numpy(v), **n_call)
        n_res, n_scores = n_layer(torch.from_numpy(q), torch.from_numpy(v),
                                  return_attention_scores=True, **n_call)
        for got, exp in ((n_fused, k_res), (n_res, k_res), (n_scores, k_scores)):
            np.testing.assert_allclose(got.detach().numpy(), k_numpy(keras, exp), atol=1e-5,
                                       rtol=1e-5)


def test_multi_head_attention_over_two_axes_keras_parity(keras):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 4, 5)).astype("float32")
    mask = rng.random((2, 3, 4, 3, 4)) > 0.3
    mask[..., 0, 0] = True
    k_layer, n_layer = keras.layers.MultiHeadAttention(2, 3), L.MultiHeadAttention(2, 3)
    k_layer(x, x)
    n_layer(torch.from_numpy(x), torch.from_numpy(x))
    copy_mha_weights(keras, k_layer, n_layer, rng)
    k_out, k_scores = k_layer(x, x, attention_mask=mask, return_attention_scores=True)
    n_out, n_scores = n_layer(torch.from_numpy(x), torch.from_numpy(x),
                              attention_mask=torch.from_numpy(mask),
                              return_attention_scores=True)
    for got, exp in ((n_out, k_out), (n_scores, k_scores)):
        np.testing.assert_allclose(got.detach().numpy(), k_numpy(keras, exp), atol=1e-5,
                                   rtol=1e-5)


# ----------------------------------------------------------------------- functional API
def test_attention_scores_in_functional_model_and_save_load(tmp_path):
    q_in, v_in = nnlab.Input((3, 4)), nnlab.Input((5, 4))
    out, scores = L.Attention(use_scale=True)([q_in, v_in], return_attention_scores=True)
    x = nnlab.Input((6, 8))
    mha_out, mha_scores = L.MultiHeadAttention(2, 4)(x, x, return_attention_scores=True)
    assert (out.shape, scores.shape) == ((None, 3, 4), (None, 3, 5))
    assert (mha_out.shape, mha_scores.shape) == ((None, 6, 8), (None, 2, 6, 6))
    model = nnlab.Model([q_in, v_in, x], [out, scores, mha_out, mha_scores])
    data = [torch.randn(2, 3, 4), torch.randn(2, 5, 4), torch.randn(2, 6, 8)]
    model.eval()
    result = model(data)
    assert [tuple(r.shape) for r in result] == [(2, 3, 4), (2, 3, 5), (2, 6, 8), (2, 2, 6, 6)]
    torch.testing.assert_close(result[1].sum(-1), torch.ones(2, 3))
    model.save(str(tmp_path / "att.nnlab"))
    loaded = nnlab.load_model(str(tmp_path / "att.nnlab"))
    loaded.eval()
    for a, b in zip(loaded(data), result):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_dropout_on_attention_weights_only_in_training():
    layer = L.Attention(dropout=0.5)
    q, v = torch.randn(2, 3, 4), torch.randn(2, 6, 4)
    layer.eval()
    torch.testing.assert_close(layer([q, v]), layer([q, v]))
    assert not torch.allclose(layer([q, v], training=True), layer([q, v]))


def test_errors():
    with pytest.raises(ShapeError, match=r"att_bad.*list \[query, value\]"):
        L.Attention(name="att_bad")(nnlab.Input((3, 4)))
    with pytest.raises(ShapeError, match="same last axis"):
        L.Attention()([nnlab.Input((3, 4)), nnlab.Input((5, 4)), nnlab.Input((5, 3))])
    with pytest.raises(ValueError, match="score_mode"):
        L.Attention(score_mode="general")
    with pytest.raises(ValueError, match="num_heads"):
        L.MultiHeadAttention(0, 4)
    with pytest.raises(TypeError, match="query and value"):
        L.MultiHeadAttention(2, 4)(nnlab.Input((3, 4)))
