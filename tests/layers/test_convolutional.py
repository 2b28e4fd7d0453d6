"""Convolution layers: the shared harness, both data formats, Keras parity (shapes, parameter
counts and numbers), the lecture's facts, and the error messages."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlab
from nnlab import layers as L
from nnlab.errors import ShapeError
from nnlab.layers.convolutional import conv_output_length
from tests.layer_harness import run_layer_test

CF = "channels_first"
pytestmark = pytest.mark.usefixtures("tiny_threads")  # tiny tensors: threads only add overhead


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)


def _shape_and_params(keras, name, kwargs, input_shape):
    theirs = getattr(keras.layers, name)(**kwargs)
    out = theirs(keras.Input(input_shape))
    ours = getattr(L, name)(**kwargs)
    sym = ours(nnlab.Input(input_shape))
    assert sym.shape == tuple(out.shape), (name, kwargs, sym.shape, out.shape)
    assert ours.count_params() == theirs.count_params(), (name, kwargs)
    return theirs, ours


def _copy_and_compare(keras, theirs, ours, input_shape, atol=1e-5):
    ours.set_weights(theirs.get_weights())  # Keras layouts, converted by set_weights
    if getattr(theirs, "use_bias", False):  # a non-zero bias, so it is compared too
        theirs.bias.assign(_np(theirs.bias) + 0.25)
        ours.bias.data += 0.25
    x = np.random.default_rng(0).standard_normal((2,) + tuple(input_shape)).astype("float32")
    expected = keras.ops.convert_to_numpy(theirs(x))
    got = _np(ours(torch.from_numpy(x)))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=atol, rtol=1e-5)


# ------------------------------------------------------------------------------ harness
@pytest.mark.parametrize("data_format", ["channels_last", CF])
def test_conv2d_harness(data_format):
    cl = data_format == "channels_last"
    shp = (6, 7, 3) if cl else (3, 6, 7)
    out = (None, 4, 5, 4) if cl else (None, 4, 4, 5)
    run_layer_test(lambda: L.Conv2D(4, 3, activation="relu", data_format=data_format,
                                    kernel_regularizer="l2"), shp, out, 4 * 27 + 4)
    out = (None, 3, 4, 4) if cl else (None, 4, 3, 4)
    run_layer_test(lambda: L.Conv2D(4, (3, 2), strides=2, padding="same",
                                    data_format=data_format), shp, out, 4 * 18 + 4)


def test_conv_family_harness():
    run_layer_test(lambda: L.Conv2D(6, 3, padding="same", dilation_rate=2, groups=3,
                                    use_bias=False), (5, 5, 3), (None, 5, 5, 6), 6 * 1 * 9)
    run_layer_test(lambda: L.Conv2D(8, 1), (4, 4, 3), (None, 4, 4, 8), 32)  # 1x1 conv
    run_layer_test(lambda: L.Conv1D(4, 3, strides=2, data_format=CF), (2, 7), (None, 4, 3), 28)
    run_layer_test(lambda: L.Conv3D(2, 2, padding="same", strides=2), (3, 4, 5, 2),
                   (None, 2, 2, 3, 2), 2 * 2 * 8 + 2)
    run_layer_test(lambda: L.Conv1DTranspose(2, 4, strides=3), (5, 3), (None, 16, 2), 26)
    run_layer_test(lambda: L.Conv3DTranspose(2, 2, strides=2, padding="same"), (2, 2, 3, 1),
                   (None, 4, 4, 6, 2), 18)
    run_layer_test(lambda: L.DepthwiseConv1D(3), (6, 2), (None, 4, 2), 8)
    run_layer_test(lambda: L.SeparableConv1D(4, 3, padding="same", depth_multiplier=2),
                   (6, 2), (None, 6, 4), 12 + 16 + 4)
    run_layer_test(lambda: L.SeparableConv2D(4, 3, strides=2, data_format=CF), (3, 7, 7),
                   (None, 4, 3, 3), 27 + 12 + 4)


@pytest.mark.parametrize("make,shape,out,params", [
    (lambda: L.Conv2D(2, (3, 2), strides=2, padding="same"), (4, 3, 2), (None, 2, 2, 2), 26),
    (lambda: L.Conv2D(2, 3, data_format=CF, dilation_rate=(1, 2)), (2, 4, 5), (None, 2, 2, 1),
     38),
    (lambda: L.Conv1D(2, 3, padding="causal", dilation_rate=2), (5, 2), (None, 5, 2), 14),
    (lambda: L.Conv3D(2, 2, padding="same", strides=2), (3, 2, 3, 1), (None, 2, 1, 2, 2), 18),
    (lambda: L.Conv2DTranspose(2, 3, strides=2, padding="same"), (2, 3, 2), (None, 4, 6, 2),
     38),
    (lambda: L.Conv2DTranspose(2, 3, strides=2, output_padding=1, data_format=CF), (2, 2, 3),
     (None, 2, 6, 8), 38),
    (lambda: L.DepthwiseConv2D(3, depth_multiplier=2, padding="same"), (3, 3, 2),
     (None, 3, 3, 4), 40),
    (lambda: L.SeparableConv2D(2, 2, padding="same"), (3, 3, 2), (None, 3, 3, 2), 8 + 4 + 2),
])
def test_conv_gradcheck_harness(make, shape, out, params):
    run_layer_test(make, shape, out, params, gradcheck=True)


def test_global_data_format_is_resolved_into_the_config():
    nnlab.set_image_data_format(CF)
    layer = L.Conv2D(4, 3)
    assert layer.get_config()["data_format"] == CF
    assert layer(nnlab.Input((3, 8, 8))).shape == (None, 4, 6, 6)
    nnlab.set_image_data_format("channels_last")
    clone = L.Conv2D.from_config(layer.get_config())  # stays channels_first
    assert clone(nnlab.Input((3, 8, 8))).shape == (None, 4, 6, 6)
    assert layer.get_config()["kernel_size"] == [3, 3]


def test_unknown_spatial_sizes_and_contiguous_output():
    layer = L.Conv2D(4, 3, strides=2, padding="same")
    assert layer(nnlab.Input((None, None, 3))).shape == (None, None, None, 4)
    y = layer(torch.randn(2, 9, 8, 3))
    assert y.shape == (2, 5, 4, 4) and y.is_contiguous()  # channels_last memory end to end


# -------------------------------------------------------------------------- lecture facts
def test_lecture_facts():
    conv = L.Conv2D(32, (3, 3))
    assert conv(nnlab.Input((28, 28, 1))).shape == (None, 26, 26, 32)
    assert conv.count_params() == 320
    pool = L.MaxPooling2D((2, 2))
    assert pool(conv.output).shape == (None, 13, 13, 32)
    alex = L.Conv2D(96, 11, strides=4)
    assert alex(nnlab.Input((227, 227, 3))).shape == (None, 55, 55, 96)
    assert alex.count_params() == 34944
    assert conv_output_length(227, 11, 0, 4) == 55
    assert conv_output_length(28, 3, 1, 1) == 28
    assert conv_output_length(7, 3, 0, 2, d=2) == 2
    assert conv_output_length(None, 3, 0, 1) is None


# ---------------------------------------------------------------------------- Keras parity
@pytest.mark.parametrize("name,kwargs,shape", [
    ("Conv2D", dict(filters=8, kernel_size=3), (10, 9, 3)),
    ("Conv2D", dict(filters=8, kernel_size=(3, 5), strides=(2, 3), padding="same"), (10, 9, 3)),
    ("Conv2D", dict(filters=6, kernel_size=3, groups=3, data_format=CF), (6, 9, 10)),
    ("Conv1D", dict(filters=4, kernel_size=5, strides=2, padding="causal"), (11, 3)),
    ("Conv3D", dict(filters=4, kernel_size=2, strides=2, padding="same"), (5, 4, 3, 2)),
    ("Conv2DTranspose", dict(filters=4, kernel_size=4, strides=2, padding="same"), (5, 6, 3)),
    ("Conv2DTranspose", dict(filters=4, kernel_size=3, strides=3, output_padding=2), (5, 6, 3)),
    ("Conv1DTranspose", dict(filters=4, kernel_size=5, strides=2), (7, 3)),
    ("Conv3DTranspose", dict(filters=2, kernel_size=3, strides=2, padding="same"), (2, 3, 2, 1)),
    ("DepthwiseConv2D", dict(kernel_size=3, depth_multiplier=3, strides=2), (9, 9, 2)),
    ("SeparableConv2D", dict(filters=5, kernel_size=3, padding="same"), (9, 9, 2)),
    ("SeparableConv1D", dict(filters=5, kernel_size=3, depth_multiplier=2), (9, 2)),
])
def test_keras_shape_and_param_parity(keras, name, kwargs, shape):
    _shape_and_params(keras, name, kwargs, shape)


@pytest.mark.parametrize("kwargs,shape", [
    (dict(filters=5, kernel_size=3), (8, 9, 3)),
    (dict(filters=5, kernel_size=3, strides=2, padding="same"), (8, 9, 3)),
    (dict(filters=5, kernel_size=3, dilation_rate=2, padding="same"), (8, 9, 3)),
    (dict(filters=5, kernel_size=(2, 4), strides=(2, 3), padding="same"), (7, 10, 3)),
    (dict(filters=4, kernel_size=3, groups=2, padding="same", data_format=CF), (4, 7, 6)),
])
def test_conv2d_numeric_parity(keras, kwargs, shape):
    theirs, ours = _shape_and_params(keras, "Conv2D", kwargs, shape)
    _copy_and_compare(keras, theirs, ours, shape)


@pytest.mark.parametrize("kwargs,shape", [
    (dict(filters=4, kernel_size=3), (5, 6, 3)),
    (dict(filters=4, kernel_size=3, strides=2, padding="same"), (5, 6, 3)),
    (dict(filters=4, kernel_size=4, strides=2, padding="same"), (5, 6, 3)),
    (dict(filters=4, kernel_size=3, strides=2, output_padding=1), (5, 6, 3)),
    (dict(filters=4, kernel_size=2, strides=3, padding="same", output_padding=2), (5, 6, 3)),
    (dict(filters=4, kernel_size=3, dilation_rate=2, padding="same", data_format=CF), (3, 5, 6)),
])
def test_conv2d_transpose_numeric_parity(keras, kwargs, shape):
    theirs, ours = _shape_and_params(keras, "Conv2DTranspose", kwargs, shape)
    _copy_and_compare(keras, theirs, ours, shape)


def test_conv1d_causal_depthwise_and_separable_numeric_parity(keras):
    theirs, ours = _shape_and_params(keras, "Conv1D", dict(filters=3, kernel_size=3,
                                     padding="causal", dilation_rate=2), (9, 2))
    _copy_and_compare(keras, theirs, ours, (9, 2))
    theirs, ours = _shape_and_params(keras, "DepthwiseConv2D", dict(
        kernel_size=3, depth_multiplier=2, strides=2, padding="same"), (7, 8, 3))
    _copy_and_compare(keras, theirs, ours, (7, 8, 3))
    theirs, ours = _shape_and_params(keras, "SeparableConv2D", dict(
        filters=4, kernel_size=3, depth_multiplier=2, padding="same"), (7, 8, 3))
    _copy_and_compare(keras, theirs, ours, (7, 8, 3))


def test_stride_and_dilation_together_match_torch():
    """Keras refuses strides > 1 with dilation > 1; torch (and nnlab) compute it."""
    layer = L.Conv2D(3, 3, strides=2, dilation_rate=2, padding="same", data_format=CF)
    x = torch.randn(1, 2, 9, 9)
    y = layer(x)
    # 'same' for N=9, S=2, F'=5: out 5, total padding (5-1)*2 + 5 - 9 = 4 -> 2 on each side
    expected = torch.nn.functional.conv2d(x, layer.kernel, layer.bias, 2, 2, 2)
    torch.testing.assert_close(y, expected)


# --------------------------------------------------------------------------------- errors
def test_empty_output_error_shows_the_formula():
    with pytest.raises(ShapeError) as err:
        L.Conv2D(32, 3, name="conv_small")(nnlab.Input((2, 2, 32)))
    assert str(err.value).startswith(
        "Layer 'conv_small' (Conv2D): output height would be (N - F + 2P)/S + 1 = "
        "(2 - 3 + 2*0)/1 + 1 = 0; the input (None, 2, 2, 32) is too small for kernel 3 with "
        "stride 1 and padding 'valid'")
    with pytest.raises(ShapeError, match=r"output width would be .*\(3 - 5 \+ 2\*0\)/1 \+ 1 = "
                                         r"-1.*kernel 3 with dilation 2 \(effective size 5\)"):
        L.Conv2D(4, 3, dilation_rate=(1, 2))(nnlab.Input((9, 3, 1)))
    with pytest.raises(ShapeError, match=r"output length would be .*\(4 - 5 \+ 2\*0\)/2 \+ 1 = "
                                         r"0 \(rounded down\)"):
        L.Conv1D(4, 5, strides=2)(nnlab.Input((4, 1)))


def test_empty_output_error_after_build_before_any_work():
    layer = L.Conv2D(4, 5, name="late")
    layer(torch.randn(1, 8, 8, 3))
    with pytest.raises(ShapeError, match=r"Layer 'late' \(Conv2D\): output width would be "
                                         r"\(N - F \+ 2P\)/S \+ 1 = \(4 - 5"):
        layer(torch.randn(1, 8, 4, 3))


def test_wrong_rank_and_channels_errors():
    with pytest.raises(ShapeError, match=r"'c2' \(Conv2D\) expects inputs of rank 4 \(batch, "
                                         r"height, width, channels\), got shape \(None, 28, 28\)"):
        L.Conv2D(4, 3, name="c2")(nnlab.Input((28, 28)))
    with pytest.raises(ShapeError, match=r"rank 4 \(batch, channels, height, width\)"):
        L.Conv2D(4, 3, data_format=CF)(torch.randn(2, 3, 8))
    with pytest.raises(ShapeError, match="rank 3"):
        L.Conv1D(4, 3)(nnlab.Input((8, 8, 1)))
    layer = L.Conv2D(4, 3)
    layer(torch.randn(1, 8, 8, 3))
    with pytest.raises(ShapeError, match="was built for inputs with 3 on axis -1"):
        layer(torch.randn(1, 8, 8, 1))
    with pytest.raises(ShapeError, match="5 channels, which groups=2 does not divide"):
        L.Conv2D(4, 3, groups=2)(nnlab.Input((8, 8, 5)))
    with pytest.raises(ShapeError, match="needs a known channels axis"):
        L.Conv2D(4, 3)(nnlab.Input((8, 8, None)))
    with pytest.raises(ShapeError, match=r"Conv2DTranspose\): output height would be"):
        L.Conv2DTranspose(4, 2, strides=2, padding="same", output_padding=0)(
            nnlab.Input((1, 1, 3)))


def test_argument_errors():
    with pytest.raises(ValueError, match="kernel_size must be a positive int or a tuple of 2"):
        L.Conv2D(4, (3, 3, 3))
    with pytest.raises(ValueError, match="filters must be a positive int"):
        L.Conv2D(0, 3)
    with pytest.raises(ValueError, match=r"padding must be one of 'valid', 'same' or 2 "
                                         r"non-negative int\(s\) of explicit padding, got 'causal'"):
        L.Conv2D(4, 3, padding="causal")
    with pytest.raises(ValueError, match=r"filters \(5\) must be divisible by groups \(2\)"):
        L.Conv2D(5, 3, groups=2)
    with pytest.raises(ValueError, match="output_padding must be strictly less than strides"):
        L.Conv2DTranspose(4, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="data_format must be one of"):
        L.Conv2D(4, 3, data_format="NHWC")
    assert L.Conv2D(4, 3, padding="SAME").padding == "same"


# ------------------------------------------------------------------- property: shape rules
@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 12), k=st.integers(1, 5), s=st.integers(1, 3), d=st.integers(1, 2),
       padding=st.sampled_from(["valid", "same", "causal"]))
def test_conv1d_symbolic_shape_matches_real_output(n, k, s, d, padding):
    layer = L.Conv1D(2, k, strides=s, dilation_rate=d, padding=padding)
    expected = {"valid": (n - (k - 1) * d - 1) // s + 1}.get(padding, -(-n // s))
    if expected < 1:
        with pytest.raises(ShapeError, match="too small"):
            layer(nnlab.Input((n, 1)))
        return
    assert layer(nnlab.Input((n, 1))).shape == (None, expected, 2)
    assert layer(torch.randn(1, n, 1)).shape == (1, expected, 2)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 6), k=st.integers(1, 4), s=st.integers(1, 3),
       padding=st.sampled_from(["valid", "same"]))
def test_conv1d_transpose_length_rule(n, k, s, padding):
    layer = L.Conv1DTranspose(2, k, strides=s, padding=padding)
    expected = n * s + max(k - s, 0) if padding == "valid" else n * s
    assert layer(nnlab.Input((n, 1))).shape == (None, expected, 2)
    assert layer(torch.randn(1, n, 1)).shape == (1, expected, 2)
