"""Pooling layers: the shared harness, both data formats, Keras parity, TensorFlow's 'same'
semantics for average pooling, and the error messages."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab import layers as L
from nnlab.errors import ShapeError
from tests.layer_harness import run_layer_test

CF = "channels_first"
pytestmark = pytest.mark.usefixtures("tiny_threads")  # tiny tensors: threads only add overhead


def _keras_parity(keras, name, kwargs, input_shape, numeric=True):
    theirs = getattr(keras.layers, name)(**kwargs)
    ours = getattr(L, name)(**kwargs)
    sym = ours(nnlab.Input(input_shape))
    assert sym.shape == tuple(theirs(keras.Input(input_shape)).shape), (name, kwargs)
    assert ours.count_params() == theirs.count_params() == 0
    if numeric:
        x = np.random.default_rng(0).standard_normal((2,) + tuple(input_shape)).astype("float32")
        expected = keras.ops.convert_to_numpy(theirs(x))
        np.testing.assert_allclose(ours(torch.from_numpy(x)).numpy(), expected, atol=1e-6)


# ------------------------------------------------------------------------------ harness
@pytest.mark.parametrize("data_format", ["channels_last", CF])
def test_pooling_harness(data_format):
    cl = data_format == "channels_last"
    shp = (5, 7, 3) if cl else (3, 5, 7)
    out = (None, 2, 3, 3) if cl else (None, 3, 2, 3)
    run_layer_test(lambda: L.MaxPooling2D(data_format=data_format), shp, out, 0)
    out = (None, 3, 4, 3) if cl else (None, 3, 3, 4)
    run_layer_test(lambda: L.MaxPooling2D(3, strides=2, padding="same",
                                          data_format=data_format), shp, out, 0)
    run_layer_test(lambda: L.AveragePooling2D(2, padding="same", data_format=data_format),
                   shp, out, 0, gradcheck=True)
    run_layer_test(lambda: L.GlobalAveragePooling2D(data_format=data_format), shp,
                   (None, 3), 0, gradcheck=True)
    out = (None, 1, 1, 3) if cl else (None, 3, 1, 1)
    run_layer_test(lambda: L.GlobalMaxPooling2D(data_format=data_format, keepdims=True), shp,
                   out, 0)


def test_pooling_1d_3d_harness():
    run_layer_test(lambda: L.MaxPooling1D(), (7, 2), (None, 3, 2), 0)
    run_layer_test(lambda: L.MaxPooling1D(3, strides=1, padding="same", data_format=CF), (2, 7),
                   (None, 2, 7), 0)
    run_layer_test(lambda: L.AveragePooling1D(4, strides=1, padding="same"), (6, 2),
                   (None, 6, 2), 0, gradcheck=True)
    run_layer_test(lambda: L.MaxPooling3D(), (4, 5, 2, 1), (None, 2, 2, 1, 1), 0)
    run_layer_test(lambda: L.AveragePooling3D((2, 1, 2), padding="same"), (3, 2, 3, 1),
                   (None, 2, 2, 2, 1), 0, gradcheck=True)
    run_layer_test(lambda: L.GlobalMaxPooling1D(), (5, 3), (None, 3), 0)
    run_layer_test(lambda: L.GlobalAveragePooling1D(data_format=CF, keepdims=True), (3, 5),
                   (None, 3, 1), 0)
    run_layer_test(lambda: L.GlobalMaxPooling3D(), (2, 3, 4, 2), (None, 2), 0)
    run_layer_test(lambda: L.GlobalAveragePooling3D(data_format=CF), (2, 3, 4, 2), (None, 2),
                   0, gradcheck=True)


def test_config_is_explicit():
    nnlab.set_image_data_format(CF)
    config = L.MaxPooling2D(3).get_config()
    assert config["data_format"] == CF
    assert config["pool_size"] == [3, 3] and config["strides"] == [3, 3]
    assert L.GlobalAveragePooling2D().get_config()["data_format"] == CF


def test_lecture_fact_and_unknown_sizes():
    assert L.MaxPooling2D((2, 2))(nnlab.Input((26, 26, 32))).shape == (None, 13, 13, 32)
    assert L.MaxPooling2D()(nnlab.Input((None, None, 8))).shape == (None, None, None, 8)
    y = L.MaxPooling2D()(torch.randn(2, 8, 6, 3))
    assert y.shape == (2, 4, 3, 3) and y.is_contiguous()


# ---------------------------------------------------------------------------- Keras parity
@pytest.mark.parametrize("name,kwargs,shape", [
    ("MaxPooling2D", dict(), (9, 8, 3)),
    ("MaxPooling2D", dict(pool_size=3, strides=2, padding="same"), (8, 9, 3)),
    ("MaxPooling2D", dict(pool_size=(2, 3), strides=1, padding="same"), (5, 6, 2)),
    ("MaxPooling2D", dict(pool_size=2, padding="same", data_format=CF), (2, 5, 7)),
    ("MaxPooling1D", dict(pool_size=3, strides=2, padding="same"), (8, 2)),
    ("MaxPooling3D", dict(pool_size=2, padding="same"), (3, 4, 5, 1)),
    ("AveragePooling2D", dict(pool_size=3, strides=2), (9, 8, 3)),
    ("AveragePooling2D", dict(pool_size=3, strides=1, padding="same"), (5, 6, 2)),
    ("AveragePooling2D", dict(pool_size=2, padding="same"), (5, 7, 2)),
    ("AveragePooling1D", dict(pool_size=2, data_format=CF), (2, 7)),
    ("AveragePooling3D", dict(pool_size=(1, 2, 3)), (3, 4, 6, 1)),
    ("GlobalAveragePooling2D", dict(), (4, 5, 3)),
    ("GlobalMaxPooling2D", dict(keepdims=True, data_format=CF), (3, 4, 5)),
    ("GlobalAveragePooling1D", dict(keepdims=True), (5, 3)),
    ("GlobalMaxPooling3D", dict(), (2, 3, 4, 2)),
])
def test_keras_parity(keras, name, kwargs, shape):
    _keras_parity(keras, name, kwargs, shape)


def test_average_same_excludes_padding_like_tensorflow():
    """'same' average pooling averages only the real elements of each window (TensorFlow's
    definition). Keras' torch backend differs when the padding is asymmetric (it pads by
    replicating the edge), so compare with hand-computed values there."""
    x = torch.arange(6, dtype=torch.float32).reshape(1, 6, 1)
    # N=6, K=4, S=1: padding (1, 2); windows [-1..2], [0..3], ..., [4..7]
    y = L.AveragePooling1D(4, strides=1, padding="same")(x)
    torch.testing.assert_close(y.flatten(), torch.tensor([1.0, 1.5, 2.5, 3.5, 4.0, 4.5]))
    # N=6, K=3, S=2: padding (0, 1); the last window holds 4, 5 and one padded zero
    y = L.AveragePooling1D(3, strides=2, padding="same")(x)
    torch.testing.assert_close(y.flatten(), torch.tensor([1.0, 3.0, 4.5]))
    # 2D, asymmetric in both axes, against a mask-based reference
    x = torch.randn(2, 6, 8, 3)
    y = L.AveragePooling2D(3, strides=2, padding="same")(x)
    xp = torch.nn.functional.pad(x.permute(0, 3, 1, 2), (0, 1, 0, 1))
    ones = torch.nn.functional.pad(torch.ones(1, 1, 6, 8), (0, 1, 0, 1))
    ref = torch.nn.functional.avg_pool2d(xp, 3, 2) / torch.nn.functional.avg_pool2d(ones, 3, 2)
    torch.testing.assert_close(y, ref.permute(0, 2, 3, 1))
    # max pooling 'same' never picks the padding, even when every value is negative
    y = L.MaxPooling2D(2, padding="same")(-torch.rand(1, 3, 3, 1) - 1)
    assert torch.isfinite(y).all() and (y < -1).all()


# --------------------------------------------------------------------------------- errors
def test_empty_output_error_shows_the_formula():
    with pytest.raises(ShapeError) as err:
        L.MaxPooling2D(3, name="pool_small")(nnlab.Input((2, 2, 32)))
    assert str(err.value).startswith(
        "Layer 'pool_small' (MaxPooling2D): output height would be (N - F + 2P)/S + 1 = "
        "(2 - 3 + 2*0)/3 + 1 = 0 (rounded down); the input (None, 2, 2, 32) is too small for "
        "pool size 3 with stride 3 and padding 'valid'")
    layer = L.AveragePooling1D(4, name="late_pool")
    layer(torch.randn(1, 8, 2))
    with pytest.raises(ShapeError, match=r"'late_pool' \(AveragePooling1D\): output length "
                                         r"would be \(N - F \+ 2P\)/S \+ 1 = \(3 - 4"):
        layer(torch.randn(1, 3, 2))


def test_wrong_rank_and_argument_errors():
    with pytest.raises(ShapeError, match=r"'p' \(MaxPooling2D\) expects inputs of rank 4 "
                                         r"\(batch, height, width, channels\), got shape "
                                         r"\(None, 28, 28\)"):
        L.MaxPooling2D(name="p")(nnlab.Input((28, 28)))
    with pytest.raises(ShapeError, match=r"rank 3 \(batch, channels, steps\)"):
        L.GlobalAveragePooling1D(data_format=CF)(torch.randn(2, 3, 4, 5))
    with pytest.raises(ValueError, match="pool_size must be a positive int or a tuple of 2"):
        L.MaxPooling2D((2, 0))
    with pytest.raises(ValueError, match="padding must be one of 'valid', 'same'"):
        L.AveragePooling2D(2, padding="full")
    with pytest.raises(TypeError):
        L.AveragePooling2D()  # pool_size is required, as in Keras
