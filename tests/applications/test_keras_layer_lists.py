"""nnlab.applications against keras.applications (weights=None): the same layer names in the
same order, the same parameter counts and output shapes; VGG16 gives Keras' outputs when it
holds Keras' weights; the lecture's freezing recipe freezes the same layers."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab import applications

FAST = [("VGG16", {}), ("ResNet50", {}), ("DenseNet121", {})]
SLOW = [("VGG19", {}), ("ResNet101", {}), ("ResNet152", {}), ("DenseNet169", {}),
        ("DenseNet201", {})]


def _names(model):
    return [layer.name for layer in model.layers][1:]  # the input layer's name is automatic


def _compare(keras, name, include_top, **kwargs):
    kwargs = dict(weights=None, include_top=include_top, **kwargs)
    keras.backend.clear_session()  # automatic names (global_average_pooling2d...) count
    nnlab.backend.clear_session()  # from a fresh session on both sides
    theirs = getattr(keras.applications, name)(**kwargs)
    with torch.device("meta"):  # shapes and counts only: instant, no memory
        ours = getattr(applications, name)(**kwargs)
    assert _names(ours) == _names(theirs)
    assert ours.count_params() == theirs.count_params()
    trainable = sum(p.numel() for p in ours.parameters() if p.requires_grad)
    assert trainable == sum(int(np.prod(w.shape)) for w in theirs.trainable_weights)
    assert tuple(ours.output_shape) == tuple(theirs.output_shape)


@pytest.mark.parametrize("name", [n for n, _ in FAST])
def test_layer_lists_match_keras_without_top(keras, name):
    _compare(keras, name, include_top=False, pooling="avg", input_shape=(64, 64, 3))


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n, _ in FAST + SLOW])
def test_layer_lists_match_keras_with_top(keras, name):
    _compare(keras, name, include_top=True)


def test_vgg16_freezing_recipe_freezes_keras_layers(keras):
    theirs = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    ours = applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    for model in (theirs, ours):
        for layer in model.layers[:15]:
            layer.trainable = False
    frozen = lambda m: [lyr.name for lyr in m.layers if not lyr.trainable][1:]  # noqa: E731
    assert frozen(ours) == frozen(theirs) == [
        "block1_conv1", "block1_conv2", "block1_pool", "block2_conv1", "block2_conv2",
        "block2_pool", "block3_conv1", "block3_conv2", "block3_conv3", "block3_pool",
        "block4_conv1", "block4_conv2", "block4_conv3", "block4_pool"]
    trainable = sum(p.numel() for p in ours.parameters() if p.requires_grad)
    assert trainable == sum(int(np.prod(w.shape)) for w in theirs.trainable_weights) == 7079424


def test_vgg16_with_keras_weights_gives_keras_outputs(keras):
    theirs = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3),
                                      pooling="max")
    ours = applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3),
                              pooling="max")
    with torch.no_grad():
        for layer in ours.layers:
            if isinstance(layer, nnlab.layers.Conv2D):
                kernel, bias = theirs.get_layer(layer.name).get_weights()
                layer.kernel.copy_(torch.from_numpy(kernel).permute(3, 2, 0, 1))
                layer.bias.copy_(torch.from_numpy(bias))
    x = np.random.default_rng(0).uniform(0, 255, size=(2, 32, 32, 3)).astype("float32")
    x = applications.vgg16.preprocess_input(x)
    np.testing.assert_allclose(ours.predict(x), theirs.predict(x, verbose=0), rtol=1e-4,
                               atol=1e-3)


def test_preprocess_input_matches_keras(keras):
    x = np.random.default_rng(0).uniform(0, 255, size=(2, 5, 5, 3)).astype("float32")
    for ours, theirs in ((applications.vgg16, keras.applications.vgg16),
                         (applications.resnet50, keras.applications.resnet50),
                         (applications.densenet, keras.applications.densenet)):
        np.testing.assert_allclose(ours.preprocess_input(x), theirs.preprocess_input(x.copy()),
                                   rtol=1e-5, atol=1e-4)
    assert isinstance(applications.vgg16.preprocess_input(torch.from_numpy(x)), torch.Tensor)


def test_imagenet_weights_error_names_the_alternatives():
    # every application has Keras' published weights now (downloaded through the fetch
    # layer: tests/applications/test_imagenet_weights.py); a model without them is refused
    with pytest.raises(applications.WeightsUnavailableError,
                       match=r"Keras publishes no ImageNet weights for AlexNet.*VGG16/19.*"
                             r"EfficientNetLite0.*nnlab data fetch efficientnet_lite0.*"
                             r"weights='path/to"):
        applications.imagenet_utils.finish(None, "imagenet", "AlexNet")


def test_weights_from_a_file_and_input_tensor(tmp_path):
    source = applications.DenseNet121(weights=None, include_top=False, input_shape=(32, 32, 3),
                                      pooling="avg")
    path = str(tmp_path / "densenet.safetensors")
    source.save_weights(path)
    inp = nnlab.Input((32, 32, 3))
    loaded = applications.DenseNet121(weights=path, include_top=False, input_tensor=inp,
                                      pooling="avg")
    x = torch.rand(2, 32, 32, 3)
    assert np.array_equal(source.predict(x), loaded.predict(x))
    assert loaded.inputs[0] is inp


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="include_top=True needs a fully known input_shape"):
        applications.ResNet50(weights=None, input_shape=(None, None, 3))
    with pytest.raises(ValueError, match="at least 32"):
        applications.VGG16(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="pooling must be None, 'avg' or 'max'"):
        applications.DenseNet121(weights=None, include_top=False, pooling="sum")
    with pytest.raises(ValueError, match="classes=1000"):
        applications.EfficientNetLite0(weights="imagenet", classes=10)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        applications.VGG16(weights="missing.safetensors", include_top=False)


def test_efficientnet_lite0_maps_to_the_zoo():
    with torch.device("meta"):
        model = applications.EfficientNetLite0(weights=None)
    weights = sum(p.numel() for p in model.parameters())  # the zoo's count (no BN statistics)
    assert weights == 4_652_008 and model.output_shape == (None, 1000)
