"""Parameter counts per layer, trainable / non-trainable, shared and nested layers."""
import torch

import nnlab
from nnlab.analysis import count_params
from nnlab.layers import BatchNormalization, Conv2D, Dense, Flatten, add


def test_per_layer_counts_and_totals_match_summary():
    model = nnlab.Sequential([Conv2D(8, 3, input_shape=(8, 8, 3)), BatchNormalization(),
                              Flatten(), Dense(10)])
    report = count_params(model)
    assert [(r.class_name, r.trainable, r.non_trainable) for r in report.rows] == [
        ("Conv2D", 3 * 3 * 3 * 8 + 8, 0), ("BatchNormalization", 16, 16), ("Flatten", 0, 0),
        ("Dense", 6 * 6 * 8 * 10 + 10, 0)]
    assert report.total == model.count_params() == 224 + 32 + 2890
    assert report.non_trainable == 16
    assert "Total: 3,146" in str(report)


def test_frozen_layers_are_non_trainable():
    model = nnlab.Sequential([Dense(4, input_shape=(3,)), Dense(2)])
    model.layers[0].trainable = False
    report = count_params(model)
    assert (report.rows[0].trainable, report.rows[0].non_trainable) == (0, 16)
    assert (report.trainable, report.non_trainable) == (10, 16)


def test_shared_layer_once_and_nested_model_expanded():
    inner_in = nnlab.Input((4,))
    inner = nnlab.Model(inner_in, Dense(3, name="hidden")(inner_in), name="inner")
    shared = Dense(4, name="shared")
    a = nnlab.Input((4,))
    y = inner(add([shared(a), shared(a)]))
    report = count_params(nnlab.Model(a, y))
    assert [r.name for r in report.rows if r.total] == ["shared", "inner/hidden"]
    assert report.rows[1].class_name == "Add"
    assert report.total == 20 + 15


def test_stacked_3x3_has_fewer_weights_than_one_7x7():
    c = 64  # the lecture: 3 * (3*3*C*C) = 27 C^2 versus 7*7*C*C = 49 C^2 (no bias)
    three = nnlab.Sequential([Conv2D(c, 3, use_bias=False, input_shape=(32, 32, c)),
                              Conv2D(c, 3, use_bias=False), Conv2D(c, 3, use_bias=False)])
    one = nnlab.Sequential([Conv2D(c, 7, use_bias=False, input_shape=(32, 32, c))])
    assert count_params(three).total == 3 * (3 * 3 * c * c) == 27 * c * c
    assert count_params(one).total == 7 * 7 * c * c
    assert three.output_shape == one.output_shape  # same output size and field


def test_meta_device_models_cost_nothing():
    with torch.device("meta"):
        model = nnlab.Sequential([Dense(10000, input_shape=(10000,)), Dense(10000)])
    assert count_params(model).total == 2 * (10000 * 10000 + 10000)
