"""``model.save_weights("x.weights.h5")`` writes Keras 3's weights file (the layout inside a
``.keras`` archive): Keras 3's ``model.load_weights("x.weights.h5")`` on the Keras twin
loads it and predicts the same (1e-5) for Sequential, functional, a registered subclassed
model and the layer families of the parity suite; nnlab reads it back; what has no Keras
layout is refused by layer name before anything is written; other suffixes keep nnlab's
own format."""
from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
import torch

import nnlab
from nnlab import layers as L
from nnlab.errors import ConfigError
from tests.models.saving import test_keras_archive as A

h5py = pytest.importorskip("h5py")
RNG = np.random.default_rng(0)


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def _cnn(k):
    return k.Sequential([
        k.Input((8, 8, 1)), k.layers.Conv2D(4, 3, activation="relu"), k.layers.MaxPooling2D(),
        k.layers.BatchNormalization(), k.layers.Flatten(), k.layers.Dropout(0.2),
        k.layers.Dense(3, activation="softmax")])


def _two_inputs(k):
    a, b = k.Input((4,), name="a"), k.Input((3,), name="b")
    shared = k.layers.Dense(3, activation="tanh", name="shared")
    h = k.layers.Concatenate()([k.layers.Dense(5, activation="relu")(a), shared(b)])
    return k.Model([a, b], k.layers.Add()([k.layers.Dense(3)(h), shared(b)]))


def _save_quietly(model, path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no "Keras cannot read it" warning
        model.save_weights(path)


def test_sequential_weights_load_in_keras(keras, tmp_path):
    nnlab.set_seed(0)
    ours = _cnn(nnlab)
    with torch.no_grad():                        # non-trivial statistics travel too
        ours.layers[2].moving_mean.uniform_(-1, 1)
        ours.layers[2].moving_variance.uniform_(0.5, 2)
    path = tmp_path / "cnn.weights.h5"
    _save_quietly(ours, path)
    assert h5py.is_hdf5(path)
    theirs = _cnn(keras)
    theirs.load_weights(path)
    A._same(ours, theirs, RNG.random((5, 8, 8, 1), dtype=np.float32))
    again = _cnn(nnlab)
    again.load_weights(path)                     # and back into nnlab
    A._same(again, ours, RNG.random((3, 8, 8, 1), dtype=np.float32))


def test_functional_weights_load_in_keras(keras, tmp_path):
    nnlab.set_seed(0)
    ours = _two_inputs(nnlab)
    _save_quietly(ours, tmp_path / "f.weights.h5")
    theirs = _two_inputs(keras)
    theirs.load_weights(tmp_path / "f.weights.h5")
    A._same(ours, theirs, [RNG.random((6, 4), dtype=np.float32),
                           RNG.random((6, 3), dtype=np.float32)])


def test_registered_subclassed_model_weights_load_in_keras(keras, tmp_path):
    class TinyNet(keras.Model):                  # the Keras twin of A.TinyNet
        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.hidden = keras.layers.Dense(units, activation="relu")
            self.head = keras.layers.Dense(2)

        def call(self, x):
            return self.head(self.hidden(x))

    x = RNG.random((4, 3), dtype=np.float32)
    nnlab.set_seed(0)
    ours = A.TinyNet(5)
    ours(x)
    _save_quietly(ours, tmp_path / "tiny.weights.h5")
    theirs = TinyNet(5)
    theirs(x)
    theirs.load_weights(tmp_path / "tiny.weights.h5")
    A._same(ours, theirs, x)


@pytest.mark.parametrize("build", A.FAMILIES, ids=lambda f: f.__name__[1:])
def test_layer_families_weights_load_in_keras(keras, tmp_path, build):
    nnlab.set_seed(0)
    ours = build(nnlab)
    _save_quietly(ours, tmp_path / "m.weights.h5")
    theirs = build(keras)
    theirs.load_weights(tmp_path / "m.weights.h5")
    A._same(ours, theirs, A._inputs(build.__name__))


def test_a_layer_without_keras_layout_is_refused_by_name(tmp_path):
    model = nnlab.Sequential([nnlab.Input((6, 6, 1)), L.Conv2D(2, 3, name="c"),
                              L.MaskedConv2D(2, 3, mask_type="B", padding="same",
                                             name="pixel")])
    path = tmp_path / "m.weights.h5"
    with pytest.raises(ConfigError, match=r"save_weights\(.*m\.weights\.h5'\): layer 'pixel' "
                                          r"\(MaskedConv2D\) has no Keras counterpart.*nothing "
                                          r"was written.*m\.weights\.safetensors"):
        model.save_weights(path)
    assert os.listdir(tmp_path) == []
    wrapped = nnlab.Sequential([nnlab.Input((3,)), L.TorchModule(torch.nn.Linear(3, 2),
                                                                 name="linear")])
    with pytest.raises(ConfigError, match=r"layer 'linear' \(TorchModule\)"):
        wrapped.save_weights(tmp_path / "w.weights.h5")
    assert os.listdir(tmp_path) == []
    model.save_weights(tmp_path / "m.weights.safetensors")     # the way out it names


def test_other_suffixes_keep_nnlab_format(tmp_path):
    nnlab.set_seed(0)
    model = _cnn(nnlab)
    model.save_weights(tmp_path / "w.safetensors")
    assert not h5py.is_hdf5(tmp_path / "w.safetensors")
    with pytest.warns(UserWarning, match="nnlab writes its own format"):
        model.save_weights(tmp_path / "w.h5")                  # Keras 3 needs .weights.h5
    assert not h5py.is_hdf5(tmp_path / "w.h5")
