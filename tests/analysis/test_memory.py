"""Activation memory per image: the counting rule, in-place layers, training estimate, and
the lecture's VGG-16 figures."""
import pytest

import nnlab
from nnlab.analysis import activation_memory, count_params
from nnlab.layers import Activation, BatchNormalization, Conv2D, Dense, Dropout, Flatten, ReLU


def test_hand_computed_rows_and_inplace_layers():
    model = nnlab.Sequential([Conv2D(4, 3, input_shape=(10, 10, 2)), BatchNormalization(),
                              ReLU(), Flatten(), Dropout(0.1), Dense(5, activation="relu")])
    report = activation_memory(model)
    assert [r.elements for r in report.rows] == [200, 256, 256, 256, 256, 256, 5]
    assert [r.bytes for r in report.rows] == [800, 1024, 1024, 0, 0, 0, 20]
    assert [r.inplace for r in report.rows] == [False, False, False, True, True, True, False]
    assert report.elements == 200 + 256 + 256 + 5
    assert report.forward_bytes == 4 * report.elements
    assert report.training_bytes == 2 * report.forward_bytes
    assert report.bytes == report.forward_bytes
    every = activation_memory(model, include_inplace=True, include_input=False)
    assert every.elements == 256 * 5 + 5
    assert activation_memory(model, training=True).bytes == report.training_bytes
    assert activation_memory(model, dtype_bytes=2).forward_bytes == 2 * report.elements
    assert report.param_bytes == 4 * count_params(model).total


def test_bad_dtype_bytes():
    model = nnlab.Sequential([Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match="dtype_bytes"):
        activation_memory(model, dtype_bytes=3)


def test_activation_layer_counts_like_a_fused_activation():
    fused = nnlab.Sequential([Conv2D(8, 3, activation="relu", input_shape=(16, 16, 3))])
    split = nnlab.Sequential([Conv2D(8, 3, input_shape=(16, 16, 3)), Activation("relu")])
    assert activation_memory(fused).elements == activation_memory(split).elements


def test_vgg16_lecture_figures(vgg16_local):
    report = activation_memory(vgg16_local)
    rows = {r.name: r for r in report.rows}
    assert report.rows[0].elements == 224 * 224 * 3                 # INPUT: 150K
    first_conv = report.rows[1]
    assert first_conv.elements == 224 * 224 * 64 == 3_211_264       # CONV3-64: 3.2M
    assert len(rows) == 1 + 22
    # The slide's per-layer column adds up to 15.2M activations (61 MB per image forward;
    # the slide's total line says 24M, an addition slip); ~2x for forward + backward.
    assert report.elements == 15_237_608
    assert report.forward_bytes == 60_950_432
    assert report.training_bytes == 2 * 60_950_432
    # most of the memory is in the early layers: the first half of the layers holds ~90%
    assert report.fraction_in_first(len(report.rows) // 2) > 0.85
    # ... while most of the parameters are in the fully connected layers
    params = count_params(vgg16_local)
    assert params.total == 138_357_544
    assert params.by_class()["Dense"] / params.total > 0.89
