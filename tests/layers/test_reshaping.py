"""UpSampling, ZeroPadding and Cropping: the shared harness, both data formats, Keras parity
(shapes and numbers) and the error messages."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab import layers as L
from nnlab.errors import ShapeError
from tests.layer_harness import run_layer_test

CF = "channels_first"
pytestmark = pytest.mark.usefixtures("tiny_threads")  # tiny tensors: threads only add overhead


# ------------------------------------------------------------------------------ harness
@pytest.mark.parametrize("data_format", ["channels_last", CF])
def test_2d_harness(data_format):
    cl = data_format == "channels_last"
    shp = (3, 4, 2) if cl else (2, 3, 4)

    def fmt(h, w):
        return (None, h, w, 2) if cl else (None, 2, h, w)

    run_layer_test(lambda: L.UpSampling2D(data_format=data_format), shp, fmt(6, 8), 0)
    run_layer_test(lambda: L.UpSampling2D((2, 3), data_format=data_format,
                                          interpolation="bilinear"), shp, fmt(6, 12), 0,
                   gradcheck=True)
    run_layer_test(lambda: L.ZeroPadding2D(((1, 0), (2, 3)), data_format=data_format), shp,
                   fmt(4, 9), 0, gradcheck=True)
    run_layer_test(lambda: L.Cropping2D(((1, 0), (1, 2)), data_format=data_format), shp,
                   fmt(2, 1), 0)


def test_1d_3d_harness():
    run_layer_test(lambda: L.UpSampling1D(3), (4, 2), (None, 12, 2), 0, gradcheck=True)
    run_layer_test(lambda: L.UpSampling3D((1, 2, 3)), (2, 2, 2, 1), (None, 2, 4, 6, 1), 0)
    run_layer_test(lambda: L.UpSampling3D(2, data_format=CF), (1, 2, 2, 2), (None, 1, 4, 4, 4),
                   0)
    run_layer_test(lambda: L.ZeroPadding1D((1, 2)), (4, 2), (None, 7, 2), 0)
    run_layer_test(lambda: L.ZeroPadding1D(1, data_format=CF), (2, 4), (None, 2, 6), 0)
    run_layer_test(lambda: L.ZeroPadding3D((1, 0, 2)), (2, 2, 2, 1), (None, 4, 2, 6, 1), 0)
    run_layer_test(lambda: L.Cropping1D(1), (5, 2), (None, 3, 2), 0, gradcheck=True)
    run_layer_test(lambda: L.Cropping3D(((0, 1), (1, 1), (2, 0))), (3, 4, 5, 1), (None, 2, 2, 3, 1),
                   0)


def test_config_is_explicit_and_round_trips():
    nnlab.set_image_data_format(CF)
    layer = L.ZeroPadding2D(((1, 0), (2, 3)))
    config = layer.get_config()
    assert config["data_format"] == CF and config["padding"] == [[1, 0], [2, 3]]
    nnlab.set_image_data_format("channels_last")
    clone = L.ZeroPadding2D.from_config(config)
    assert clone(nnlab.Input((2, 3, 4))).shape == (None, 2, 4, 9)
    assert L.UpSampling2D(3).get_config()["size"] == [3, 3]
    assert L.Cropping1D(2).get_config()["cropping"] == [[2, 2]]


def test_nearest_upsampling_repeats_exactly():
    x = torch.arange(6.0).reshape(1, 2, 3, 1)
    y = L.UpSampling2D((2, 3))(x)
    assert torch.equal(y[0, :, :, 0], x[0, :, :, 0].repeat_interleave(2, 0)
                       .repeat_interleave(3, 1))
    assert L.UpSampling2D()(nnlab.Input((None, 5, 3))).shape == (None, None, 10, 3)


# ---------------------------------------------------------------------------- Keras parity
@pytest.mark.parametrize("name,kwargs,shape", [
    ("UpSampling1D", dict(size=3), (4, 2)),
    ("UpSampling2D", dict(size=(2, 3)), (3, 4, 2)),
    ("UpSampling2D", dict(size=2, interpolation="bilinear"), (3, 4, 2)),
    ("UpSampling2D", dict(size=(3, 2), interpolation="bilinear", data_format=CF), (2, 3, 4)),
    ("UpSampling3D", dict(size=(1, 2, 2)), (2, 3, 2, 1)),
    ("ZeroPadding1D", dict(padding=(2, 1)), (4, 2)),
    ("ZeroPadding2D", dict(padding=((1, 2), (3, 0))), (3, 4, 2)),
    ("ZeroPadding2D", dict(padding=(1, 2), data_format=CF), (2, 3, 4)),
    ("ZeroPadding3D", dict(padding=1), (2, 2, 2, 1)),
    ("Cropping1D", dict(cropping=(1, 2)), (6, 2)),
    ("Cropping2D", dict(cropping=((1, 0), (2, 1))), (4, 5, 2)),
    ("Cropping2D", dict(cropping=1, data_format=CF), (2, 4, 5)),
    ("Cropping3D", dict(cropping=((0, 1), (1, 1), (2, 0))), (3, 4, 5, 1)),
])
def test_keras_parity(keras, name, kwargs, shape):
    theirs = getattr(keras.layers, name)(**kwargs)
    ours = getattr(L, name)(**kwargs)
    assert ours(nnlab.Input(shape)).shape == tuple(theirs(keras.Input(shape)).shape)
    assert ours.count_params() == theirs.count_params() == 0
    x = np.random.default_rng(0).standard_normal((2,) + shape).astype("float32")
    np.testing.assert_allclose(ours(torch.from_numpy(x)).numpy(),
                               keras.ops.convert_to_numpy(theirs(x)), atol=1e-6)


# --------------------------------------------------------------------------------- errors
def test_errors():
    with pytest.raises(ShapeError, match=r"'crop' \(Cropping2D\): cropping 2 \+ 2 from height "
                                         r"3 leaves -1; the input \(None, 3, 8, 1\) is too "
                                         r"small"):
        L.Cropping2D(((2, 2), (0, 0)), name="crop")(nnlab.Input((3, 8, 1)))
    layer = L.Cropping1D(2, name="late_crop")
    layer(torch.randn(1, 6, 2))
    with pytest.raises(ShapeError, match=r"'late_crop' \(Cropping1D\): cropping 2 \+ 2 from "
                                         r"length 4 leaves 0"):
        layer(torch.randn(1, 4, 2))
    with pytest.raises(ShapeError, match=r"\(UpSampling2D\) expects inputs of rank 4 \(batch, "
                                         r"height, width, channels\)"):
        L.UpSampling2D()(nnlab.Input((8, 8)))
    with pytest.raises(ShapeError, match="rank 5"):
        L.ZeroPadding3D()(torch.randn(1, 2, 2, 2))
    with pytest.raises(ValueError, match="interpolation must be one of 'nearest', 'bilinear'"):
        L.UpSampling2D(interpolation="bicubic")
    with pytest.raises(ValueError, match=r"padding must be a non-negative int or 2 "
                                         r"non-negative ints or 2 pairs"):
        L.ZeroPadding2D((1, 2, 3))
    with pytest.raises(ValueError, match="cropping must be a non-negative int or "
                                         r"\(before, after\)"):
        L.Cropping1D(-1)
    with pytest.raises(ValueError, match="size must be a positive int"):
        L.UpSampling1D(0)
