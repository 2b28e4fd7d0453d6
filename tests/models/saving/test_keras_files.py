"""Reading files Keras 3 wrote (.weights.h5, .keras) into the nnlab twin; to_json;
Keras suffixes on save; predict's batch-axis message; eager numpy calls."""
import os

import numpy as np
import pytest
import torch

import nnlab
from nnlab import layers as L
from nnlab.errors import ConfigError

os.environ.setdefault("KERAS_BACKEND", "torch")


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("h5py")
    return pytest.importorskip("keras")


def _convnet(ly, Input):
    return [Input(shape=(8, 8, 3)), ly.Conv2D(4, 3, activation="relu"),
            ly.BatchNormalization(), ly.MaxPooling2D(), ly.Flatten(), ly.Dense(5),
            ly.Dense(3, activation="softmax")]


def _text(ly, Input, Model):
    class Pair(ly.Layer):  # a custom layer holding sublayers, defined per library
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.first = ly.Dense(6, activation="tanh")
            self.second = ly.Dense(2)

        def call(self, x):
            return self.second(self.first(x))

    inputs = Input(shape=(7,))
    x = ly.Embedding(30, 8)(inputs)
    x = ly.MultiHeadAttention(num_heads=2, key_dim=3)(x, x)
    x = ly.Bidirectional(ly.LSTM(5, return_sequences=True))(x)
    x = ly.GRU(4)(x)
    return Model(inputs, Pair()(x))


def _randomize(model, seed=0):
    rng = np.random.default_rng(seed)
    # 1-D weights (biases, BN statistics) positive, so moving variances are valid
    model.set_weights([(rng.uniform(0.5, 1.5, w.shape) if w.ndim == 1 else
                        rng.normal(0, 0.3, w.shape)).astype("float32")
                       for w in model.get_weights()])


@pytest.mark.parametrize("suffix", [".weights.h5", ".keras"])
def test_keras_files_load_into_the_nnlab_twin(keras, tmp_path, suffix):
    theirs = [keras.Sequential(_convnet(keras.layers, keras.Input)),
              _text(keras.layers, keras.Input, keras.Model)]
    ours = [nnlab.Sequential(_convnet(L, nnlab.Input)), _text(L, nnlab.Input, nnlab.Model)]
    rng = np.random.default_rng(1)
    xs = [rng.normal(size=(2, 8, 8, 3)).astype("float32"), rng.integers(0, 30, size=(2, 7))]
    for k_model, n_model, x in zip(theirs, ours, xs):
        _randomize(k_model)
        path = str(tmp_path / f"{k_model.name}{suffix}")
        k_model.save_weights(path) if suffix == ".weights.h5" else k_model.save(path)
        n_model.load_weights(path)
        expected = keras.ops.convert_to_numpy(k_model(x, training=False))
        assert np.isfinite(expected).all()
        np.testing.assert_allclose(n_model.predict(x, verbose=0), expected, atol=1e-5)


def test_keras_file_of_another_architecture_names_the_layer(keras, tmp_path):
    k_model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    path = str(tmp_path / "m.weights.h5")
    k_model.save_weights(path)
    wrong = nnlab.Sequential([nnlab.Input(shape=(5,)), L.Dense(3)])
    before = wrong.get_weights()
    with pytest.raises(ConfigError, match=r"/layers/dense/vars has shape \(4, 3\).*'kernel'.*"
                                          r"needs \(5, 3\)"):
        wrong.load_weights(path)
    np.testing.assert_array_equal(wrong.get_weights()[0], before[0])
    with pytest.raises(ConfigError, match="no group '/layers/conv2d'"):
        nnlab.Sequential([nnlab.Input(shape=(4, 4, 1)), L.Conv2D(2, 3)]).load_weights(path)


def test_to_json_round_trip_and_keras_suffix_warns(tmp_path):
    model = nnlab.Sequential([nnlab.Input(shape=(4,)), L.Dense(3, activation="relu"),
                              L.Dense(2)])
    again = nnlab.models.model_from_json(model.to_json())
    assert [type(a) for a in again.layers] == [type(b) for b in model.layers]
    assert again.count_params() == model.count_params()
    with pytest.raises(ConfigError, match="not a JSON string"):
        nnlab.models.model_from_json("{oops")
    path = tmp_path / "model.h5"
    with pytest.warns(UserWarning, match="Keras cannot read it.*'.nnlab' suffix"):
        model.save(path)
    x = np.ones((2, 4), "float32")
    np.testing.assert_allclose(nnlab.load_model(path).predict(x), model.predict(x))
    # ".keras" is Keras 3's archive now (tests/models/saving/test_keras_archive.py)
    model.save(tmp_path / "model.keras")
    np.testing.assert_allclose(nnlab.load_model(tmp_path / "model.keras").predict(x),
                               model.predict(x))


def test_predict_on_one_sample_says_add_a_batch_axis_and_numpy_eager_calls():
    model = nnlab.Sequential([nnlab.Input(shape=(8, 8, 1)), L.Flatten(), L.Dense(2)])
    with pytest.raises(ValueError, match=r"add a batch axis: x\[None\]"):
        model.predict(np.zeros((8, 8, 1), "float32"))
    assert model.predict(np.zeros((8, 8, 1), "float32")[None]).shape == (1, 2)
    out = L.Dense(10)(np.ones((2, 4)))
    assert isinstance(out, torch.Tensor) and out.shape == (2, 10) and out.dtype == torch.float32
