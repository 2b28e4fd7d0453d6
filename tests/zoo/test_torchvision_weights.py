"""torchvision-format state_dicts: key-and-shape tables against torchvision's published
source (transcribed in tests/zoo/torchvision_reference.py), export -> load round trips
that reproduce the torchvision network's outputs, and the errors for other files."""
import pytest
import torch

from nnlab import zoo
from nnlab.zoo.torchvision_weights import (MATCHING, load_torchvision_state_dict,
                                           save_torchvision_state_dict, torchvision_state_dict)
from tests.zoo import torchvision_reference as tv


def _randomise_bn(model):
    """Non-trivial batch-norm statistics, so a wrong mapping cannot hide behind 0 and 1."""
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for key, value in model.state_dict().items():
            if key.endswith(("moving_mean", "beta")):
                value.copy_(torch.randn(value.shape, generator=g) * 0.1)
            elif key.endswith(("moving_variance", "gamma")):
                value.copy_(torch.rand(value.shape, generator=g) + 0.5)


@pytest.mark.parametrize("arch", MATCHING + ("squeezenet1_0",))
def test_key_and_shape_table_is_torchvision(arch):
    with torch.device("meta"):
        ours = torchvision_state_dict(zoo.create(arch))
        reference = tv.build(arch).state_dict()
    assert [(k, tuple(v.shape)) for k, v in ours.items()] == \
        [(k, tuple(v.shape)) for k, v in reference.items()]
    n = sum(v.numel() for k, v in reference.items()
            if not k.endswith(("running_mean", "running_var", "num_batches_tracked")))
    assert n == tv.PUBLISHED_NUM_PARAMS[arch]


@pytest.mark.parametrize("arch,size", [("resnet18", 32), ("resnet50", 32),
                                       ("densenet121", 32), ("squeezenet1_1", 63)])
def test_round_trip_reproduces_the_torchvision_network(tmp_path, arch, size):
    model = zoo.create(arch, input_shape=(size, size, 3), classifier_activation=None,
                       stride_on="3x3") if arch == "resnet50" else \
        zoo.create(arch, input_shape=(size, size, 3), classifier_activation=None)
    _randomise_bn(model)
    model.eval()
    path = str(tmp_path / f"{arch}.pth")
    save_torchvision_state_dict(model, path)
    reference = tv.build(arch).eval()
    reference.load_state_dict(torch.load(path, weights_only=True), strict=True)
    x = torch.randn(1, size, size, 3)      # 63: floor and ceil pooling agree for SqueezeNet
    with torch.no_grad():
        ours = model(x)
        loaded = zoo.create(arch, input_shape=(size, size, 3), classifier_activation=None,
                            weights=path).eval()(x)
        # the two networks in float64: float32 kernels of another memory format differ by
        # up to 1.4e-4 after ResNet-50's 50 layers on some CPUs (AVX-512), rounding only
        ours64 = model.double()(x.double())
        theirs64 = reference.double()(x.double().permute(0, 3, 1, 2))
    torch.testing.assert_close(ours64, theirs64, rtol=1e-9, atol=1e-9)
    torch.testing.assert_close(loaded, ours, rtol=1e-5, atol=1e-5)


def test_torchvision_file_builds_resnet50_v1_5(tmp_path):
    """A .pth file switches the bottleneck stride to the 3x3 conv, as torchvision's."""
    torch.manual_seed(0)
    path = str(tmp_path / "r50.pth")
    torch.save(tv.build("resnet50").state_dict(), path)
    model = zoo.resnet.resnet50(weights=path, input_shape=(32, 32, 3))
    assert model.get_layer("conv3_block1_2_conv").strides == (2, 2)
    assert model.get_layer("conv3_block1_1_conv").strides == (1, 1)
    assert zoo.create("resnet50", input_shape=(32, 32, 3)).get_layer(
        "conv3_block1_1_conv").strides == (2, 2)                     # the paper's, by default


def test_checkpoint_of_another_architecture_names_the_tensor(tmp_path):
    path = str(tmp_path / "resnet18.pth")
    torch.save(tv.build("resnet18").state_dict(), path)
    with pytest.raises(ValueError, match=r"not a torchvision resnet50 .*tensor "
                                         r"'layer1.0.conv1.weight' has shape \(64, 64, 3, 3\) "
                                         r"in the file, but 'resnet50' needs \(64, 64, 1, 1\)"):
        zoo.create("resnet50", input_shape=(32, 32, 3), weights=path)


def test_torchvision_alexnet_is_another_architecture():
    with torch.device("meta"):
        model = zoo.create("alexnet")
        state = tv.build("alexnet").state_dict()
        with pytest.raises(ValueError, match=r"'features.0.weight' has shape \(64, 3, 11, 11\) "
                                             r"in the file, but 'alexnet' needs \(96, 3, 11, 11\)"):
            load_torchvision_state_dict(model, state)


def test_squeezenet1_0_loads_with_a_warning_about_pooling():
    with torch.device("meta"):
        model = zoo.create("squeezenet1_0")
        state = tv.build("squeezenet1_0").state_dict()
        with pytest.warns(UserWarning, match="ceil_mode=True"):
            load_torchvision_state_dict(model, state)


def test_headless_model_ignores_the_classifier(tmp_path):
    path = str(tmp_path / "resnet18.pth")
    reference = tv.build("resnet18")
    torch.save(reference.state_dict(), path)
    model = zoo.create("resnet18", include_top=False, input_shape=(32, 32, 3), weights=path)
    torch.testing.assert_close(model.state_dict()["conv1_conv.kernel"], reference.conv1.weight)


def test_imagenet_weights_error_says_which_models_have_weights():
    with pytest.raises(ValueError, match=r"alexnet: torchvision publishes no ImageNet weights"
                                         r".*resnet18, .*squeezenet1_1; efficientnet_lite0 "
                                         r".*a torchvision state_dict \(.pth\)"):
        zoo.create("alexnet", weights="imagenet")


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["vgg16", "densenet121", "resnet152"])
def test_full_size_round_trip(tmp_path, arch):
    """At 224x224 (VGG's first FC layer needs the 7x7 map: its columns are reordered)."""
    extra = {"stride_on": "3x3"} if arch.startswith("resnet") else {}   # torchvision's v1.5
    model = zoo.create(arch, classifier_activation=None, **extra).eval()
    _randomise_bn(model)
    path = str(tmp_path / f"{arch}.pth")
    save_torchvision_state_dict(model, path)
    reference = tv.build(arch).eval()
    reference.load_state_dict(torch.load(path, weights_only=True), strict=True)
    x = torch.randn(1, 224, 224, 3)
    with torch.no_grad():
        ours, theirs = model(x), reference(x.permute(0, 3, 1, 2))
    # random weights make 50 residual blocks grow the logits: compare relative to their scale
    torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-4 * float(theirs.abs().max()))
