"""ConvLSTM2D: shapes, parameter counts and outputs equal Keras 3's on copied weights."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab import layers as L
from nnlab.errors import ShapeError
from tests.layer_harness import run_layer_test


def test_harness():
    run_layer_test(lambda: L.ConvLSTM2D(2, 3, padding="same", return_sequences=True),
                   (3, 5, 5, 2), expected_output_shape=(None, 3, 5, 5, 2),
                   expected_params=4 * (3 * 3 * (2 + 2) * 2 + 2))


@pytest.mark.parametrize("kwargs", [
    dict(filters=3, kernel_size=3),
    dict(filters=2, kernel_size=(2, 3), padding="same", return_sequences=True),
    dict(filters=2, kernel_size=3, strides=2, return_state=True, go_backwards=True),
    dict(filters=2, kernel_size=2, padding="same", strides=2, use_bias=False),
])
def test_keras_parity(keras, kwargs):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 4, 7, 6, 3)).astype("float32")
    k_layer = keras.layers.ConvLSTM2D(**kwargs)
    k_out = k_layer(x)
    k_layer.set_weights([rng.normal(0, 0.3, w.shape).astype("float32")
                         for w in k_layer.get_weights()])
    k_out = k_layer(x)
    k_out = k_out if isinstance(k_out, (list, tuple)) else [k_out]
    n_layer = L.ConvLSTM2D(**kwargs)
    sym = n_layer(nnlab.Input((4, 7, 6, 3)))
    sym = sym if isinstance(sym, list) else [sym]
    assert [s.shape[1:] for s in sym] == [tuple(o.shape[1:]) for o in k_out]
    assert n_layer.count_params() == k_layer.count_params()
    w = k_layer.get_weights()
    state = {"kernel": torch.tensor(w[0]).permute(3, 2, 0, 1),
             "recurrent_kernel": torch.tensor(w[1]).permute(3, 2, 0, 1)}
    if len(w) > 2:
        state["bias"] = torch.tensor(w[2])
    n_layer.load_state_dict(state)
    # get_weights speaks Keras' layout: the same arrays Keras holds
    for n_w, k_w in zip(n_layer.get_weights(), w):
        np.testing.assert_array_equal(n_w, k_w)
    got = n_layer(torch.from_numpy(x))
    got = got if isinstance(got, list) else [got]
    for g, e in zip(got, k_out):
        np.testing.assert_allclose(g.detach().numpy(), np.asarray(e.detach().cpu()), atol=1e-5)


def test_errors():
    with pytest.raises(ValueError, match="ConvLSTM2D: filters must be a positive int, got 0"):
        L.ConvLSTM2D(0, 3)
    with pytest.raises(ValueError, match="activation='relu'"):
        L.ConvLSTM2D(2, 3, activation="relu")
    with pytest.raises(ShapeError, match=r"rank 5.*\(None, 8, 8, 1\)"):
        L.ConvLSTM2D(2, 3)(nnlab.Input((8, 8, 1)))
