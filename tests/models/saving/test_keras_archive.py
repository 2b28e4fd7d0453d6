"""Keras 3 ``.keras`` archives both ways, against the Keras oracle: nnlab's
``model.save("x.keras")`` is loaded by ``keras.saving.load_model`` and predicts the same
(1e-5); ``nnlab.load_model`` rebuilds what Keras saved and predicts the same; a layer
without a Keras counterpart is refused by name before anything is written."""
from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pytest
import torch

import nnlab
from nnlab import layers as L
from nnlab.errors import ConfigError

RNG = np.random.default_rng(0)


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def _same(ours, theirs, x):
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-5)


def _nnlab_cnn():
    nnlab.set_seed(0)
    return nnlab.Sequential([
        nnlab.Input((8, 8, 1)), L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D(),
        L.BatchNormalization(), L.Flatten(), L.Dropout(0.2), L.Dense(3, activation="softmax")])


def _nnlab_two_inputs():
    nnlab.set_seed(0)
    a, b = nnlab.Input((4,), name="a"), nnlab.Input((3,), name="b")
    shared = L.Dense(3, activation="tanh", name="shared")
    h = L.Concatenate()([L.Dense(5, activation="relu")(a), shared(b)])
    return nnlab.Model([a, b], L.Add()([L.Dense(3)(h), shared(b)]))


def test_nnlab_sequential_loads_in_keras(keras, tmp_path):
    model = _nnlab_cnn()
    bn = model.layers[2]
    with torch.no_grad():  # non-trivial statistics, so they must travel too
        bn.moving_mean.uniform_(-1, 1)
        bn.moving_variance.uniform_(0.5, 2)
    path = tmp_path / "cnn.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert set(archive.namelist()) == {"config.json", "metadata.json", "model.weights.h5"}
        assert json.loads(archive.read("config.json"))["class_name"] == "Sequential"
    theirs = keras.saving.load_model(path)
    assert [lyr.name for lyr in theirs.layers] == [lyr.name for lyr in model.layers]
    _same(model, theirs, RNG.random((5, 8, 8, 1), dtype=np.float32))


def test_nnlab_functional_with_a_shared_layer_loads_in_keras(keras, tmp_path):
    model = _nnlab_two_inputs()
    model.save(tmp_path / "f.keras")
    theirs = keras.saving.load_model(tmp_path / "f.keras")
    x = [RNG.random((6, 4), dtype=np.float32), RNG.random((6, 3), dtype=np.float32)]
    assert theirs.count_params() == model.count_params()
    _same(model, theirs, x)


def test_keras_sequential_and_functional_load_in_nnlab(keras, tmp_path):
    keras.utils.set_random_seed(0)
    seq = keras.Sequential([
        keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.MaxPooling2D(), keras.layers.BatchNormalization(),
        keras.layers.Flatten(), keras.layers.Dropout(0.2),
        keras.layers.Dense(3, activation="softmax")])
    seq.save(tmp_path / "seq.keras")
    ours = nnlab.models.load_model(tmp_path / "seq.keras")
    assert isinstance(ours, nnlab.Sequential)
    _same(ours, seq, RNG.random((5, 8, 8, 1), dtype=np.float32))

    a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
    shared = keras.layers.Dense(3, activation="tanh", name="shared")
    h = keras.layers.Concatenate()([keras.layers.Dense(5, activation="relu")(a), shared(b)])
    fun = keras.Model([a, b], keras.layers.Add()([keras.layers.Dense(3)(h), shared(b)]))
    fun.save(tmp_path / "fun.keras")
    ours = nnlab.load_model(tmp_path / "fun.keras")
    _same(ours, fun, [RNG.random((6, 4), dtype=np.float32),
                      RNG.random((6, 3), dtype=np.float32)])


def test_round_trip_without_keras(tmp_path):
    model = _nnlab_two_inputs()
    model.save(tmp_path / "f.keras")
    again = nnlab.load_model(tmp_path / "f.keras")
    x = [RNG.random((2, 4), dtype=np.float32), RNG.random((2, 3), dtype=np.float32)]
    np.testing.assert_array_equal(again.predict(x), model.predict(x))


def test_a_layer_without_keras_counterpart_is_refused_before_writing(tmp_path):
    from nnlab.zoo.common import LocalResponseNormalization  # AlexNet's LRN: not in Keras
    model = nnlab.Sequential([nnlab.Input((4, 4, 3)), L.Conv2D(2, 1),
                              LocalResponseNormalization(name="lrn")])
    path = tmp_path / "m.keras"
    with pytest.raises(ConfigError, match=r"layer 'lrn' \(LocalResponseNormalization\) has no "
                                          r"Keras counterpart.*nothing was written.*\.nnlab"):
        model.save(path)
    assert not path.exists() and os.listdir(tmp_path) == []
    model.save(tmp_path / "m.nnlab")  # the way out the message names
    pooled = nnlab.Sequential([nnlab.Input((4, 4, 1)), L.MaxPooling2D(return_indices=False)])
    pooled.save(tmp_path / "ok.keras")  # nnlab-only arguments at their default are fine


class Doubler(L.Layer):
    """A user's custom layer (not registered under a package), as in keras-io programs."""

    def call(self, x):
        return 2 * x


def test_a_custom_layer_is_written_as_keras_writes_one(keras, tmp_path):
    class KerasDoubler(keras.layers.Layer):
        def call(self, x):
            return 2 * x

    nnlab.set_seed(0)
    model = nnlab.Sequential([nnlab.Input((3,)), L.Dense(2), Doubler(name="twice")])
    model.save(tmp_path / "custom.keras")
    theirs = keras.saving.load_model(tmp_path / "custom.keras",
                                     custom_objects={"Doubler": KerasDoubler})
    _same(model, theirs, RNG.random((4, 3), dtype=np.float32))
    again = nnlab.load_model(tmp_path / "custom.keras")  # Doubler is registered here
    assert isinstance(again.layers[-1], Doubler)


def test_keras_arguments_nnlab_lacks_are_refused_by_name(keras, tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.BatchNormalization(renorm=True)])
    model.save(tmp_path / "renorm.keras")
    with pytest.raises(ConfigError, match=r"'batch_normalization(_\d+)?' \(BatchNormalization\): "
                                          r"argument renorm=True is not supported"):
        nnlab.load_model(tmp_path / "renorm.keras")


def _embedding_lstm(k):
    return k.Sequential([k.Input((6,), dtype="int32"), k.layers.Embedding(20, 4),
                         k.layers.LSTM(5), k.layers.Dense(2)])


def _gru_simple_rnn(k):
    return k.Sequential([k.Input((6, 3)), k.layers.GRU(4, return_sequences=True),
                         k.layers.SimpleRNN(3), k.layers.LayerNormalization(),
                         k.layers.Dense(2, activation="sigmoid")])


def _attention(k):
    x = k.Input((5, 8))
    y = k.layers.MultiHeadAttention(2, 4)(x, x)
    y = k.layers.LayerNormalization(epsilon=1e-6)(k.layers.Add()([x, y]))
    y = k.layers.Conv1D(3, 2, activation="relu")(y)
    return k.Model(x, k.layers.Dense(2)(k.layers.GlobalAveragePooling1D()(y)))


def _bidirectional(k):
    return k.Sequential([k.Input((6, 3)), k.layers.Bidirectional(k.layers.LSTM(4)),
                         k.layers.Dense(2)])


def _inputs(name):
    if name == "_embedding_lstm":
        return RNG.integers(0, 20, (4, 6)).astype("int32")
    if name == "_attention":
        return RNG.random((4, 5, 8), dtype=np.float32)
    return RNG.random((4, 6, 3), dtype=np.float32)


FAMILIES = [_embedding_lstm, _gru_simple_rnn, _attention, _bidirectional]


@pytest.mark.parametrize("build", FAMILIES, ids=lambda f: f.__name__[1:])
def test_layer_families_travel_from_nnlab_to_keras(keras, tmp_path, build):
    nnlab.set_seed(0)
    model = build(nnlab)
    model.save(tmp_path / "m.keras")
    _same(model, keras.saving.load_model(tmp_path / "m.keras"), _inputs(build.__name__))


@pytest.mark.parametrize("build", FAMILIES, ids=lambda f: f.__name__[1:])
def test_layer_families_travel_from_keras_to_nnlab(keras, tmp_path, build):
    keras.utils.set_random_seed(0)
    model = build(keras)
    model.save(tmp_path / "m.keras")
    _same(nnlab.load_model(tmp_path / "m.keras"), model, _inputs(build.__name__))


class TinyNet(nnlab.Model, namespace="demo"):
    """A registered subclassed model (Keras' ``register_keras_serializable(package=
    "demo")`` spelling); its Keras twin is defined in the test below."""

    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = L.Dense(units, activation="relu")
        self.head = L.Dense(2)

    def call(self, x):
        return self.head(self.hidden(x))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_registered_subclassed_model_travels_both_ways(keras, tmp_path):
    @keras.saving.register_keras_serializable(package="demo")
    class TinyNet(keras.Model):  # noqa: F811 - the Keras twin, same registered name
        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.hidden = keras.layers.Dense(units, activation="relu")
            self.head = keras.layers.Dense(2)

        def call(self, x):
            return self.head(self.hidden(x))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    x = RNG.random((4, 3), dtype=np.float32)
    nnlab.set_seed(0)
    ours = globals()["TinyNet"](5)
    ours(x)
    ours.save(tmp_path / "ours.keras")
    theirs = keras.saving.load_model(tmp_path / "ours.keras")
    assert type(theirs) is TinyNet and theirs.units == 5
    _same(ours, theirs, x)

    keras.utils.set_random_seed(0)
    theirs = TinyNet(6)
    theirs(x)
    theirs.save(tmp_path / "theirs.keras")
    again = nnlab.load_model(tmp_path / "theirs.keras")
    assert type(again) is globals()["TinyNet"] and again.units == 6
    _same(again, theirs, x)


def test_bad_archives_are_refused_before_building(tmp_path):
    model = nnlab.Sequential([nnlab.Input((3,)), L.Dense(1000), L.Dense(2)])
    model.save(tmp_path / "big.keras")
    with pytest.raises(ConfigError, match=r"6,002 weight values.*above the limit "
                                          r"max_params=100"):
        nnlab.load_model(tmp_path / "big.keras", max_params=100)
    with zipfile.ZipFile(tmp_path / "big.keras") as archive:
        config = archive.read("config.json")
    with zipfile.ZipFile(tmp_path / "no_weights.keras", "w") as archive:
        archive.writestr("config.json", config)
    with pytest.raises(ConfigError, match="the .keras archive has no model.weights.h5"):
        nnlab.load_model(tmp_path / "no_weights.keras")
    with zipfile.ZipFile(tmp_path / "broken.keras", "w") as archive:
        archive.writestr("config.json", b"{oops")
        archive.writestr("model.weights.h5", b"")
    with pytest.raises(ConfigError, match="config.json is not JSON"):
        nnlab.load_model(tmp_path / "broken.keras")
