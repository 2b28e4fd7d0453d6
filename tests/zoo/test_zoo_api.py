"""The builders' shared contract: registered names, argument checks, headless use,
local weights, channels_first."""
import pytest
import torch

import nnlab
from nnlab import zoo

from tests.zoo.zoo_helpers import meta_build

OURS = ["alexnet", "densenet121", "densenet169", "densenet201", "fractalnet", "googlenet",
        "inception_resnet_small", "lenet5", "nin", "plain_cifar", "preact_resnet18",
        "preact_resnet50", "resnet101", "resnet152", "resnet18", "resnet34", "resnet50",
        "resnet_cifar", "resnet_stochastic_depth", "squeezenet1_0", "squeezenet1_1", "vgg16",
        "vgg19", "wide_resnet50_2", "zfnet"]

CIFAR_OR_DIGITS = {"lenet5", "resnet_cifar", "plain_cifar", "resnet_stochastic_depth",
                   "fractalnet"}

HEADLESS = {"alexnet": 256, "densenet121": 1024, "fractalnet": 512, "googlenet": 1024,
            "inception_resnet_small": 896, "lenet5": 120, "nin": 1024, "plain_cifar": 64,
            "resnet50": 2048, "resnet_stochastic_depth": 64, "squeezenet1_1": 512,
            "vgg19": 512, "wide_resnet50_2": 2048, "zfnet": 256}


def test_every_model_is_registered():
    assert set(OURS) <= set(zoo.names())
    assert zoo.family_of("resnet50") == "resnet" and zoo.family_of("zfnet") == "alexnet"


@pytest.mark.parametrize("name", OURS)
def test_default_build_and_headless_avg(name):
    model = meta_build(name)
    assert isinstance(model, nnlab.Model)
    assert model.output_shape == (None, 10 if name in CIFAR_OR_DIGITS else 1000)
    if name in HEADLESS:
        for pooling in ("avg", "max"):
            out = meta_build(name, include_top=False, pooling=pooling).output_shape
            assert out == (None, HEADLESS[name])
    assert len(meta_build(name, include_top=False).output_shape) == 4


@pytest.mark.parametrize("kwargs,match", [
    (dict(include_top="yes"), "include_top"),
    (dict(num_classes=0), "num_classes"),
    (dict(num_classes=2.5), "num_classes"),
    (dict(pooling="sum"), "pooling"),
    (dict(weights="imagenet", num_classes=10), "imagenet.*needs num_classes=1000, got 10"),
    (dict(weights=3), "weights must be None, 'imagenet' or the path"),
    (dict(input_shape=(224, 224)), "input_shape"),
    (dict(input_shape=(224, 224, None)), "channels"),
])
def test_bad_arguments_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        meta_build("resnet18", **kwargs)


def test_too_small_input_is_a_shape_error():
    with pytest.raises(nnlab.ShapeError):
        meta_build("vgg16", input_shape=(16, 16, 3))


def test_weights_from_a_local_file(tmp_path):
    model = zoo.create("resnet_cifar", depth=8, input_shape=(16, 16, 3))
    path = str(tmp_path / "w.safetensors")
    model.save_weights(path)
    again = zoo.create("resnet_cifar", depth=8, input_shape=(16, 16, 3), weights=path)
    model.eval(), again.eval()
    x = torch.randn(2, 16, 16, 3)
    assert torch.equal(model(x), again(x))
    with pytest.raises(nnlab.ConfigError):
        zoo.create("plain_cifar", depth=14, input_shape=(16, 16, 3), weights=path)


def test_model_save_and_load_round_trip(tmp_path):
    model = zoo.create("resnet_stochastic_depth", depth=8, input_shape=(16, 16, 3))
    path = str(tmp_path / "m.nnlab")
    model.save(path)
    loaded = nnlab.load_model(path)
    model.eval(), loaded.eval()
    x = torch.randn(2, 16, 16, 3)
    assert torch.allclose(model(x), loaded(x))


@pytest.mark.parametrize("name,kwargs,size", [
    ("resnet_cifar", dict(depth=8), 16),                  # PadShortcut, BN axis
    ("googlenet", dict(), 32),                            # LRN, Concatenate axis
])
def test_channels_first_computes_the_same_function(name, kwargs, size):
    last = zoo.create(name, num_classes=5, input_shape=(size, size, 3), **kwargs)
    nnlab.set_image_data_format("channels_first")
    first = zoo.create(name, num_classes=5, input_shape=(3, size, size), **kwargs)
    first.load_state_dict(last.state_dict())   # weights are stored in torch's layout
    last.eval(), first.eval()
    x = torch.randn(2, size, size, 3)
    assert torch.allclose(last(x), first(x.permute(0, 3, 1, 2)), atol=1e-5)


def test_channels_first():
    nnlab.set_image_data_format("channels_first")
    model = zoo.create("googlenet", num_classes=5, input_shape=(3, 64, 64),
                       batch_norm=True)
    assert model.output_shape == (None, 5)
    assert model(torch.randn(2, 3, 64, 64)).shape == (2, 5)
    assert meta_build("densenet121", include_top=False).output_shape == (None, 1024, 7, 7)
    assert meta_build("resnet_cifar", include_top=False).output_shape == (None, 64, 8, 8)
    assert meta_build("alexnet").get_layer("conv1").output.shape == (None, 96, 55, 55)
