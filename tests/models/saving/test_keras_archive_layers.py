"""Every layer class nnlab writes to ``.keras`` (``keras_config.KERAS_LAYERS``), one small
Sequential each, both ways against Keras 3: nnlab saves, Keras loads and predicts the same
(1e-5); Keras saves, nnlab loads and predicts the same. Families with weights in several
places (RNNs, attention, Bidirectional) are in test_keras_archive.py."""
from __future__ import annotations

import os

import numpy as np
import pytest

import nnlab

RNG = np.random.default_rng(0)

CASES = {
    "Conv1D": ((6, 3), lambda k: k.layers.Conv1D(2, 3)),
    "Conv3D": ((4, 4, 4, 2), lambda k: k.layers.Conv3D(2, 2)),
    "Conv2DTranspose": ((5, 5, 2), lambda k: k.layers.Conv2DTranspose(3, 3, strides=2)),
    "Conv1DTranspose": ((5, 2), lambda k: k.layers.Conv1DTranspose(3, 3)),
    "Conv3DTranspose": ((3, 3, 3, 2), lambda k: k.layers.Conv3DTranspose(2, 2)),
    "DepthwiseConv2D": ((5, 5, 2), lambda k: k.layers.DepthwiseConv2D(3, depth_multiplier=2)),
    "SeparableConv2D": ((5, 5, 2), lambda k: k.layers.SeparableConv2D(3, 3)),
    "AveragePooling1D": ((6, 2), lambda k: k.layers.AveragePooling1D(2)),
    "AveragePooling2D": ((4, 4, 2), lambda k: k.layers.AveragePooling2D(2)),
    "AveragePooling3D": ((4, 4, 4, 2), lambda k: k.layers.AveragePooling3D(2)),
    "MaxPooling1D": ((6, 2), lambda k: k.layers.MaxPooling1D()),
    "MaxPooling3D": ((4, 4, 4, 2), lambda k: k.layers.MaxPooling3D()),
    "GlobalMaxPooling1D": ((4, 2), lambda k: k.layers.GlobalMaxPooling1D()),
    "GlobalMaxPooling2D": ((4, 4, 2), lambda k: k.layers.GlobalMaxPooling2D()),
    "GlobalMaxPooling3D": ((2, 2, 2, 3), lambda k: k.layers.GlobalMaxPooling3D()),
    "GlobalAveragePooling2D": ((4, 4, 2), lambda k: k.layers.GlobalAveragePooling2D()),
    "GlobalAveragePooling3D": ((2, 2, 2, 3), lambda k: k.layers.GlobalAveragePooling3D()),
    "Reshape": ((6,), lambda k: k.layers.Reshape((2, 3))),
    "Permute": ((2, 3), lambda k: k.layers.Permute((2, 1))),
    "Activation": ((4,), lambda k: k.layers.Activation("tanh")),
    "ReLU": ((4,), lambda k: k.layers.ReLU(max_value=0.5)),
    "LeakyReLU": ((4,), lambda k: k.layers.LeakyReLU(negative_slope=0.2)),
    "Softmax": ((4,), lambda k: k.layers.Softmax()),
    "ELU": ((4,), lambda k: k.layers.ELU()),
    "PReLU": ((4,), lambda k: k.layers.PReLU()),
    "ZeroPadding1D": ((4, 2), lambda k: k.layers.ZeroPadding1D(1)),
    "ZeroPadding2D": ((4, 4, 2), lambda k: k.layers.ZeroPadding2D(1)),
    "ZeroPadding3D": ((2, 2, 2, 2), lambda k: k.layers.ZeroPadding3D(1)),
    "Cropping1D": ((6, 2), lambda k: k.layers.Cropping1D(1)),
    "Cropping2D": ((6, 6, 2), lambda k: k.layers.Cropping2D(1)),
    "Cropping3D": ((4, 4, 4, 2), lambda k: k.layers.Cropping3D(1)),
    "UpSampling1D": ((3, 2), lambda k: k.layers.UpSampling1D()),
    "UpSampling2D": ((3, 3, 2), lambda k: k.layers.UpSampling2D()),
    "UpSampling3D": ((2, 2, 2, 2), lambda k: k.layers.UpSampling3D()),
    "RepeatVector": ((3,), lambda k: k.layers.RepeatVector(2)),
    "Rescaling": ((3,), lambda k: k.layers.Rescaling(0.5, offset=1.0)),
    "Normalization": ((3,), lambda k: k.layers.Normalization(mean=[1.0, 2.0, 3.0],
                                                             variance=[1.0, 4.0, 9.0])),
    "GaussianNoise": ((3,), lambda k: k.layers.GaussianNoise(0.1)),
    "GaussianDropout": ((3,), lambda k: k.layers.GaussianDropout(0.1)),
    "SpatialDropout1D": ((3, 2), lambda k: k.layers.SpatialDropout1D(0.1)),
    "SpatialDropout2D": ((3, 3, 2), lambda k: k.layers.SpatialDropout2D(0.1)),
    "Masking": ((3, 2), lambda k: k.layers.Masking()),
    "CategoryEncoding": ((2,), lambda k: k.layers.CategoryEncoding(5, output_mode="multi_hot")),
    "ConvLSTM2D": ((3, 4, 4, 2), lambda k: k.layers.ConvLSTM2D(2, 3)),
    "TimeDistributed": ((3, 4), lambda k: k.layers.TimeDistributed(k.layers.Dense(2))),
    "GRU(reset_after=False)": ((4, 3), lambda k: k.layers.GRU(2, reset_after=False)),
    "Bidirectional(GRU, sum)": ((4, 3), lambda k: k.layers.Bidirectional(
        k.layers.GRU(2, return_sequences=True), merge_mode="sum")),
    "Dense(L2, he_normal)": ((3,), lambda k: k.layers.Dense(
        2, kernel_regularizer=k.regularizers.L2(0.01), kernel_initializer="he_normal")),
    "BatchNormalization(no scale)": ((3,), lambda k: k.layers.BatchNormalization(
        scale=False, center=False)),
}


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def _data(name, shape):
    if name == "CategoryEncoding":
        return RNG.integers(0, 5, (3,) + shape).astype("float32")
    return RNG.random((3,) + shape, dtype=np.float32)


@pytest.mark.parametrize("name", list(CASES))
def test_layer_travels_both_ways(keras, tmp_path, name):
    shape, make = CASES[name]
    x = _data(name, shape)
    for source in (nnlab, keras):
        model = source.Sequential([source.Input(shape), make(source)])
        path = tmp_path / f"{source.__name__}.keras"
        model.save(path)
        loaded = keras.saving.load_model(path) if source is nnlab else nnlab.load_model(path)
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                                   rtol=1e-5, atol=1e-5, err_msg=f"{name} from {source}")
