"""MACs per layer: exact hand-computed answers, and agreement with torch's FLOP counter."""
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

import nnlab
from nnlab.analysis import count_macs, count_other_ops, macs_per_layer
from nnlab.layers import (
    LSTM,
    Activation,
    BatchNormalization,
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    Dense,
    DepthwiseConv2D,
    Dropout,
    Flatten,
    GlobalAveragePooling2D,
    MaxPooling2D,
    SeparableConv2D,
    TorchModule,
    add,
)


def small_net():
    """A LeNet-like net whose MACs are computed by hand below."""
    return nnlab.Sequential([
        Conv2D(6, 5, input_shape=(32, 32, 1), activation="relu"),   # 28x28x6
        MaxPooling2D(2),                                              # 14x14x6
        Conv2D(16, 5),                                                # 10x10x16
        BatchNormalization(), Activation("relu"),
        MaxPooling2D(2),                                              # 5x5x16
        Flatten(), Dense(120), Dropout(0.5), Dense(10),
    ])


def test_hand_computed_small_conv_net_exact():
    conv1 = 28 * 28 * 6 * (5 * 5 * 1)        # 117,600
    conv2 = 10 * 10 * 16 * (5 * 5 * 6)       # 240,000
    fc1, fc2 = 400 * 120, 120 * 10            # 48,000 and 1,200
    model = small_net()
    rows = macs_per_layer(model)
    assert [r.macs for r in rows] == [conv1, 0, conv2, 0, 0, 0, 0, fc1, 0, fc2]
    assert count_macs(model) == conv1 + conv2 + fc1 + fc2 == 406_800
    assert [r.how for r in rows][:2] == ["formula", "zero"]
    # other ops: pool 14*14*6*4, BN 2*1600, relu 1600, pool 5*5*16*4
    assert count_other_ops(model) == 14 * 14 * 6 * 4 + 2 * 1600 + 1600 + 5 * 5 * 16 * 4


def _torch_macs(model, shape):
    x = torch.randn((1,) + shape)
    model.eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(x)
    return counter.get_total_flops() // 2


@pytest.mark.parametrize("layer", [
    lambda: Conv2D(12, 3, strides=2, padding="same", groups=3),
    lambda: Conv2D(8, (3, 5), dilation_rate=2, use_bias=False),
    lambda: DepthwiseConv2D(3, depth_multiplier=2, padding="same"),
    lambda: SeparableConv2D(16, 3, strides=2),
    lambda: Conv2DTranspose(4, 3, strides=2, padding="same"),
    lambda: Dense(7),
], ids=["grouped", "dilated", "depthwise", "separable", "transpose", "dense_on_map"])
def test_formulas_agree_with_torch_flop_counter(layer):
    shape = (17, 19, 6)
    model = nnlab.Sequential([layer()], name="m")
    model.build((None,) + shape)
    assert count_macs(model) == _torch_macs(model, shape)


def test_functional_residual_block_and_nested_sequential():
    inner = nnlab.Sequential([Conv2D(8, 3, padding="same"), BatchNormalization()], name="body")
    x = nnlab.Input((16, 16, 8))
    y = add([inner(x), x])
    y = GlobalAveragePooling2D()(Activation("relu")(y))
    model = nnlab.Model(x, Dense(3)(y))
    rows = macs_per_layer(model)
    assert [r.name for r in rows[:2]] == [f"body/{layer.name}" for layer in inner.layers]
    assert [r.class_name for r in rows[2:]] == ["Add", "Activation", "GlobalAveragePooling2D",
                                                "Dense"]
    assert rows[0].name.startswith("body/") and rows[0].macs == 16 * 16 * 8 * 9 * 8
    assert count_macs(model) == 16 * 16 * 8 * 9 * 8 + 8 * 3 == _torch_macs(model, (16, 16, 8))


def test_shared_layer_counts_per_call():
    shared = Dense(5, name="shared_dense")
    a = nnlab.Input((4,))
    model = nnlab.Model(a, add([shared(a), shared(a)]))
    rows = macs_per_layer(model)
    assert [r.name for r in rows[:2]] == ["shared_dense", "shared_dense#2"]
    assert count_macs(model) == 2 * 4 * 5


def test_other_layers_are_traced():
    model = nnlab.Sequential([LSTM(16, input_shape=(10, 8)), Dense(2)])
    rows = macs_per_layer(model)
    assert rows[0].how == "traced" and rows[0].macs == 10 * 4 * 16 * (8 + 16)
    wrapped = nnlab.Sequential([TorchModule(torch.nn.Conv2d(3, 4, 3))])
    wrapped.build((None, 10, 10, 3))
    assert count_macs(wrapped) == 8 * 8 * 4 * 27


def test_input_shape_override_and_batch_axis_optional():
    model = nnlab.Sequential([Conv1D(4, 3, input_shape=(20, 2)), Flatten()])
    assert count_macs(model) == 18 * 4 * 6
    assert count_macs(model, (40, 2)) == count_macs(model, (None, 40, 2)) == 38 * 4 * 6


def test_no_input_shape_is_a_clear_error():
    with pytest.raises(ValueError, match="no input shape"):
        count_macs(nnlab.Sequential([Dense(3)]))


def test_meta_device_model():
    with torch.device("meta"):
        model = nnlab.Sequential([Conv2D(512, 3, padding="same", input_shape=(224, 224, 512))])
    assert count_macs(model) == 224 * 224 * 512 * 9 * 512
