"""The lecture's figures on the zoo's models (run once the zoo provides them)."""
import time

import pytest
import torch

from nnlab import zoo
from nnlab.analysis import activation_memory, count_macs, count_params, receptive_field


def meta_model(name, **kwargs):
    if name not in zoo.names():
        pytest.skip(f"zoo model {name!r} is not registered yet")
    with torch.device("meta"):
        return zoo.create(name, **kwargs)


def test_vgg16_macs_params_memory():
    model = meta_model("vgg16")
    start = time.perf_counter()
    macs = count_macs(model)
    params = count_params(model)
    memory = activation_memory(model)
    assert time.perf_counter() - start < 5.0
    assert abs(macs / 15.47e9 - 1) < 0.01
    assert params.total == 138_357_544
    assert params.by_class().get("Dense", 0) / params.total > 0.85   # mostly in the FC layers
    assert memory.fraction_in_first(len(memory.rows) // 2) > 0.75  # mostly in early layers
    assert abs(memory.elements / 15.24e6 - 1) < 0.01                # 61 MB per image forward


def test_vgg19_is_instant_too():
    model = meta_model("vgg19")
    start = time.perf_counter()
    assert abs(count_macs(model) / 19.63e9 - 1) < 0.01
    assert count_params(model).total == 143_667_240
    assert time.perf_counter() - start < 5.0


def test_resnet50_macs():
    model = meta_model("resnet50")
    # The paper's ResNet-50 (He et al. 2015, Table 1: 3.8e9 multiply-adds) strides in the
    # block's first 1x1 convolution; torchvision's "v1.5" strides in the 3x3: 4.1e9.
    conv = next(layer for layer in model.layers if getattr(layer, "kernel_size", None) ==
                (3, 3) and getattr(layer, "strides", None) == (2, 2)) if any(
        getattr(layer, "kernel_size", None) == (3, 3) and getattr(layer, "strides", None)
        == (2, 2) for layer in model.layers) else None
    expected = 4.1e9 if conv is not None else 3.86e9
    assert abs(count_macs(model) / expected - 1) < 0.02
    assert count_params(model).trainable == 25_557_032  # + BN moving statistics
    assert receptive_field(model)[-1].size[0] > 224


@pytest.mark.parametrize("stride_on_3x3, expected", [(False, 3.86e9), (True, 4.1e9)],
                         ids=["v1_paper", "v1_5_torchvision"])
def test_resnet50_written_out_both_versions(stride_on_3x3, expected):
    from .conftest import build_resnet50
    with torch.device("meta"):
        model = build_resnet50(stride_on_3x3)
    assert count_params(model).trainable == 25_557_032  # + BN moving statistics
    assert abs(count_macs(model) / expected - 1) < 0.02


def test_efficientnet_lite0_macs():
    model = meta_model("efficientnet_lite0")
    # EfficientNet-Lite0: 385 M multiply-adds at 224x224 (conv and dense only)
    assert count_macs(model) == 385_187_552
