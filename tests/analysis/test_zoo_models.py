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
    assert abs(count_macs(model) / 4.1e9 - 1) < 0.02
    assert count_params(model).total == 25_557_032
    assert receptive_field(model)[-1].size[0] > 224


def test_efficientnet_lite0_macs():
    model = meta_model("efficientnet_lite0")
    # EfficientNet-Lite0: ~0.4 G MACs at 224x224 (TF model card: 407 M)
    assert 0.38e9 < count_macs(model) < 0.42e9
