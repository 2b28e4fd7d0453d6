"""Defect 4: get_weights/set_weights speak Keras' layouts and order, so weights copied
from a Keras 3 model (dev-only oracle) give the same outputs; torch layouts stay in
state_dict; a wrong shape is an error naming the weight."""
import os

import numpy as np
import pytest
import torch

import nnlab
from nnlab import layers as L

os.environ.setdefault("KERAS_BACKEND", "torch")


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _pair(keras, build, input_shape):
    theirs = keras.Sequential([keras.Input(input_shape)] + build(keras.layers))
    ours = nnlab.Sequential([nnlab.Input(shape=input_shape)] + build(L))
    return theirs, ours


def _randomize(keras_model, seed=0):
    rng = np.random.default_rng(seed)
    keras_model.set_weights([rng.normal(0, 0.4, w.shape).astype("float32")
                             for w in keras_model.get_weights()])
    for layer in keras_model.layers:  # positive moving variances
        if hasattr(layer, "moving_variance"):
            layer.moving_variance.assign(rng.uniform(0.5, 2.0, layer.moving_variance.shape))


MODELS = {
    "dense_square": (lambda ly: [ly.Dense(4, activation="tanh"), ly.Dense(3)], (4,)),
    "conv2d_bn": (lambda ly: [ly.Conv2D(5, 3, padding="same"), ly.BatchNormalization(),
                              ly.Conv2DTranspose(2, 3, strides=2), ly.Flatten(), ly.Dense(2)],
                  (6, 5, 3)),
    "depthwise": (lambda ly: [ly.DepthwiseConv2D(3, depth_multiplier=2),
                              ly.SeparableConv2D(4, 3), ly.GlobalAveragePooling2D()], (8, 8, 3)),
    "lstm_gru": (lambda ly: [ly.LSTM(6, return_sequences=True), ly.GRU(5),
                             ly.Dense(2)], (7, 3)),
    "embedding": (lambda ly: [ly.Embedding(20, 4), ly.Conv1D(3, 2),
                              ly.Conv1DTranspose(3, 2), ly.GlobalAveragePooling1D()], (6,)),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_weights_copied_from_keras_give_keras_outputs(keras, name):
    build, shape = MODELS[name]
    theirs, ours = _pair(keras, build, shape)
    _randomize(theirs)
    ours.set_weights(theirs.get_weights())
    rng = np.random.default_rng(1)
    x = rng.integers(0, 20, size=(3,) + shape) if name == "embedding" else \
        rng.normal(size=(3,) + shape).astype("float32")
    expected = keras.ops.convert_to_numpy(theirs(x, training=False))
    np.testing.assert_allclose(ours.predict(x, verbose=0), expected, atol=1e-5, rtol=1e-5)
    for mine, keras_w in zip(ours.get_weights(), theirs.get_weights()):  # same layouts back
        np.testing.assert_array_equal(mine, keras.ops.convert_to_numpy(keras_w))


def test_nnlab_weights_load_into_keras(keras):
    build, shape = MODELS["lstm_gru"]
    theirs, ours = _pair(keras, build, shape)
    theirs.set_weights(ours.get_weights())
    x = np.random.default_rng(2).normal(size=(2,) + shape).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0),
                               keras.ops.convert_to_numpy(theirs(x)), atol=1e-5)


def test_state_dict_keeps_torch_layouts_and_square_dense_is_not_misloaded():
    layer = L.Dense(4)
    layer(torch.zeros(1, 4))
    kernel = np.arange(16, dtype="float32").reshape(4, 4)  # Keras (in, out)
    layer.set_weights([kernel, np.zeros(4, "float32")])
    np.testing.assert_array_equal(layer.state_dict()["kernel"].numpy(), kernel.T)
    x = np.eye(4, dtype="float32")[:1]
    np.testing.assert_array_equal(layer(x).detach().numpy(), x @ kernel)


def test_mismatch_names_the_weight_and_changes_nothing():
    model = nnlab.Sequential([nnlab.Input(shape=(3,)), L.Dense(2), L.Dense(5)])
    before = [w.copy() for w in model.get_weights()]
    bad = [w.copy() for w in before]
    bad[2] = np.zeros((5, 2), "float32")  # second kernel given in torch's layout
    with pytest.raises(ValueError, match=r"weight 'dense_\d+\.kernel' expects shape \(2, 5\) "
                                         r"\(Keras layout\), got \(5, 2\)"):
        model.set_weights(bad)
    with pytest.raises(ValueError, match="has 4 weight arrays .*set_weights got 3"):
        model.set_weights(before[:3])
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
