"""Bad inputs to the attribution methods get clear errors before any work, and guided
backprop leaves the model as it found it (functional ReLUs and refusals:
test_guided_functional.py)."""
import pytest
import torch

from nnlab.interpret import GradCAM, GuidedBackprop, IntegratedGradients, Occlusion, Saliency
from nnlab.interpret.guided_backprop import relu_modules


@pytest.mark.parametrize("method", [Saliency, GuidedBackprop, IntegratedGradients])
def test_target_out_of_range(small_cnn, images, method):
    with pytest.raises(ValueError, match=r"target class 10 is outside the model's outputs: "
                                         r"it returns 10 classes"):
        method(small_cnn).attribute(images, target=10)


def test_target_out_of_range_gradcam_and_occlusion(small_cnn, images):
    with pytest.raises(ValueError, match=r"target class -1 is outside"):
        GradCAM(small_cnn, "relu2").attribute(images, target=[-1, 2])
    with pytest.raises(ValueError, match=r"target class 12 is outside"):
        Occlusion(small_cnn).attribute(images, sliding_window_shapes=(8, 8), target=12)


def test_raw_pixels_warn(small_cnn):
    pixels = torch.randint(0, 256, (1, 3, 32, 32)).float()
    with pytest.warns(UserWarning, match=r"looks like raw 0-255 pixels.*preprocess"):
        Saliency(small_cnn).attribute(pixels, target=1)


def test_integer_images_are_refused(small_cnn):
    with pytest.raises(TypeError, match=r"float tensor of preprocessed values, got torch.uint8"):
        Saliency(small_cnn).attribute(torch.zeros(1, 3, 32, 32, dtype=torch.uint8), target=1)


def test_unknown_layer_lists_names(small_cnn, nnlab_cnn):
    with pytest.raises(ValueError, match=r"layer='conv9' is not a layer.*Layer names: conv1, "
                                         r"relu1, pool, conv2, relu2, fc"):
        GradCAM(small_cnn, "conv9")
    with pytest.raises(ValueError, match=r"'relu3' is not a layer.*conv1, relu1, .*logits"):
        GradCAM(nnlab_cnn, "relu3")


def test_occlusion_window_larger_than_image(small_cnn, images):
    with pytest.raises(ValueError, match=r"sliding_window_shapes \(3, 40, 40\) is larger than "
                                         r"the input \(3, 32, 32\)"):
        Occlusion(small_cnn).attribute(images, sliding_window_shapes=(40, 40), target=1)
    with pytest.raises(ValueError, match=r"strides .* must not exceed"):
        Occlusion(small_cnn).attribute(images, sliding_window_shapes=(4, 4), strides=(8, 8),
                                       target=1)


def test_guided_backprop_restores_relus():
    from tests.interpret.conftest import SmallCNN
    net = SmallCNN(inplace=True).eval()
    before = [(id(m), type(m), m.inplace) for m in relu_modules(net)]
    x = torch.randn(1, 3, 32, 32)
    plain = Saliency(net).attribute(x, target=2, abs=False)
    guided = GuidedBackprop(net).attribute(x, target=2)
    assert not torch.allclose(plain, guided)          # the guidance changed the gradient
    after = [(id(m), type(m), m.inplace) for m in relu_modules(net)]
    assert before == after and all(flag for *_, flag in after)
    for m in net.modules():
        assert not m._backward_hooks and not m._forward_hooks and not m._forward_pre_hooks
    # and plain gradients are plain again
    torch.testing.assert_close(Saliency(net).attribute(x, target=2, abs=False), plain)
