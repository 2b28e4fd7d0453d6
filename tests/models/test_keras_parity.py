"""Property test: random models built in nnlab and in Keras 3 (torch backend, a dev-only
oracle) have the same output shape and the same trainable / non-trainable parameter
counts at every layer, and the shape nnlab's summary reports equals a real forward pass.
"""
import os

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nnlab
from nnlab import layers as L

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ACTIVATIONS = st.sampled_from(["relu", "tanh", "sigmoid", "linear", "softmax"])


def _counts(layer, trainable_attr, frozen_attr):
    import numpy as np
    return (int(sum(np.prod(w.shape) for w in getattr(layer, trainable_attr))),
            int(sum(np.prod(w.shape) for w in getattr(layer, frozen_attr))))


def _nn_counts(layer):
    trainable = sum(p.numel() for p in layer.parameters() if p.requires_grad)
    return trainable, layer.count_params() - trainable


def _compare_sequential(specs, input_shape):
    """Build ``specs`` = [(name, kwargs)] in both libraries and compare layer by layer."""
    ours = nnlab.Sequential([nnlab.Input(shape=input_shape)] +
                            [_make(L, name, kw) for name, kw in specs])
    theirs = keras.Sequential([keras.Input(shape=input_shape)] +
                              [_make(keras.layers, name, kw) for name, kw in specs])
    for mine, ref, shape in zip(ours.layers, theirs.layers, ours._output_shapes):
        assert shape == tuple(ref.output.shape), (mine.name, shape, ref.output.shape)
        assert _nn_counts(mine) == _counts(ref, "trainable_weights", "non_trainable_weights"), \
            (mine.name,)
    ours.eval()
    real = ours(torch.randn((3,) + tuple(input_shape)))
    assert tuple(real.shape[1:]) == ours.output_shape[1:]


def _make(module, name, kwargs):
    if name == "Bidirectional":
        inner_name, inner_kw = kwargs["layer"]
        return module.Bidirectional(_make(module, inner_name, inner_kw),
                                    merge_mode=kwargs["merge_mode"])
    return getattr(module, name)(**kwargs)


@st.composite
def dense_stacks(draw):
    specs = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["Dense", "Dense", "Dropout", "BatchNormalization",
                                     "LayerNormalization"]))
        if kind == "Dense":
            specs.append(("Dense", {"units": draw(st.integers(1, 40)),
                                    "activation": draw(ACTIVATIONS),
                                    "use_bias": draw(st.booleans())}))
        elif kind == "Dropout":
            specs.append(("Dropout", {"rate": 0.3}))
        else:
            specs.append((kind, {}))
    return specs, (draw(st.integers(1, 30)),)


@st.composite
def conv_stacks(draw):
    h = draw(st.integers(8, 24))
    size, channels, specs = h, draw(st.integers(1, 4)), []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["Conv2D", "Conv2D", "MaxPooling2D", "AveragePooling2D",
                                     "BatchNormalization"]))
        padding = draw(st.sampled_from(["valid", "same"]))
        if kind == "Conv2D":
            k = draw(st.integers(1, min(5, size)))
            s = draw(st.integers(1, 2))
            specs.append(("Conv2D", {"filters": draw(st.integers(1, 16)), "kernel_size": k,
                                     "strides": s, "padding": padding,
                                     "activation": draw(ACTIVATIONS)}))
            size = -(-size // s) if padding == "same" else (size - k) // s + 1
        elif kind.endswith("Pooling2D"):
            p = draw(st.integers(1, min(3, size)))
            specs.append((kind, {"pool_size": p, "padding": padding}))
            size = -(-size // p) if padding == "same" else (size - p) // p + 1
        else:
            specs.append((kind, {}))
        if size < 1:
            specs.pop()
            break
    tail = draw(st.sampled_from(["Flatten", "GlobalAveragePooling2D", "GlobalMaxPooling2D"]))
    specs += [(tail, {}), ("Dense", {"units": draw(st.integers(1, 10))})]
    return specs, (h, h, channels)


@st.composite
def sequence_stacks(draw):
    specs = []
    n = draw(st.integers(1, 3))
    for i in range(n):
        last = i == n - 1
        kind = draw(st.sampled_from(["SimpleRNN", "LSTM", "GRU", "Bidirectional", "Conv1D"]))
        seq = draw(st.booleans()) if last else True
        if kind == "Conv1D":
            specs.append(("Conv1D", {"filters": draw(st.integers(1, 8)), "kernel_size": 2,
                                     "padding": "same"}))
        elif kind == "Bidirectional":
            inner = draw(st.sampled_from(["LSTM", "GRU", "SimpleRNN"]))
            specs.append(("Bidirectional", {
                "layer": (inner, {"units": draw(st.integers(1, 8)), "return_sequences": seq}),
                "merge_mode": draw(st.sampled_from(["concat", "sum", "ave", "mul"]))}))
        else:
            specs.append((kind, {"units": draw(st.integers(1, 12)), "return_sequences": seq}))
    return specs, (draw(st.integers(2, 9)), draw(st.integers(1, 6)))


@SETTINGS
@given(dense_stacks())
def test_random_dense_models_match_keras(case):
    _compare_sequential(*case)


@SETTINGS
@given(conv_stacks())
def test_random_conv_models_match_keras(case):
    _compare_sequential(*case)


@SETTINGS
@given(sequence_stacks())
def test_random_recurrent_models_match_keras(case):
    _compare_sequential(*case)


@SETTINGS
@given(st.integers(1, 20), st.integers(1, 12), st.sampled_from(["add", "concatenate",
                                                                 "multiply", "average"]),
       st.booleans())
def test_random_functional_merges_match_keras(features, units, merge, with_bn):
    def build(lib, inp):
        a = lib.layers.Dense(units, activation="relu", name="a")(inp)
        b = lib.layers.Dense(units, name="b")(inp)
        if with_bn:
            b = lib.layers.BatchNormalization(name="bn")(b)
        merged = getattr(lib.layers, merge)([a, b], name="merged")
        return lib.layers.Dense(3, name="head")(merged)

    ours_in = nnlab.Input(shape=(features,))
    ours = nnlab.Model(ours_in, build(nnlab, ours_in))
    theirs_in = keras.Input(shape=(features,))
    theirs = keras.Model(theirs_in, build(keras, theirs_in))
    assert ours.output_shape == tuple(theirs.output.shape)
    mine = sorted(_nn_counts(layer) for layer in ours.layers)
    ref = sorted(_counts(layer, "trainable_weights", "non_trainable_weights")
                 for layer in theirs.layers)
    assert mine == ref
    ours.eval()
    assert ours(torch.randn(2, features)).shape == (2, 3)
    # same weights in both (Keras layout), then the merged values and the outputs agree
    for ref in theirs.layers:
        if ref.weights:
            ours.get_layer(ref.name).set_weights(ref.get_weights())
    x = np.random.default_rng(features).normal(size=(4, features)).astype("float32")
    to_np = keras.ops.convert_to_numpy
    their_merged = keras.Model(theirs_in, theirs.get_layer("merged").output)(x)
    our_merged = nnlab.Model(ours_in, ours.get_layer("merged").output)(torch.as_tensor(x))
    np.testing.assert_allclose(our_merged.detach().numpy(), to_np(their_merged),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours(torch.as_tensor(x)).detach().numpy(), to_np(theirs(x)),
                               rtol=1e-4, atol=1e-5)
