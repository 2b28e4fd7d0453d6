"""Attribution parity with captum (dev-only oracle) on the same model and inputs, to 1e-5
relative: Saliency, Occlusion, GuidedBackprop, IntegratedGradients, LayerGradCam."""
import pytest
import torch

from nnlab.interpret import GradCAM, GuidedBackprop, IntegratedGradients, Occlusion, Saliency

captum_attr = pytest.importorskip("captum.attr")

TARGET = [3, 7]


def close(ours, theirs):
    assert ours.shape == theirs.shape
    scale = theirs.abs().max()
    assert scale > 0
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-5 * float(scale))


def test_saliency_matches_captum(small_cnn, images):
    close(Saliency(small_cnn).attribute(images, target=TARGET),
          captum_attr.Saliency(small_cnn).attribute(images, target=TARGET))
    close(Saliency(small_cnn).attribute(images, target=5, abs=False),
          captum_attr.Saliency(small_cnn).attribute(images, target=5, abs=False))


@pytest.mark.parametrize("window,strides,baseline", [((3, 8, 8), (3, 4, 4), 0.0),
                                                     ((1, 8, 8), (1, 8, 6), 0.5)])
def test_occlusion_matches_captum(small_cnn, images, window, strides, baseline):
    ours = Occlusion(small_cnn).attribute(images, sliding_window_shapes=window,
                                          strides=strides, baselines=baseline, target=TARGET)
    theirs = captum_attr.Occlusion(small_cnn).attribute(
        images, sliding_window_shapes=window, strides=strides, baselines=baseline,
        target=TARGET)
    close(ours, theirs)


def test_guided_backprop_matches_captum(small_cnn, images):
    close(GuidedBackprop(small_cnn).attribute(images, target=TARGET),
          captum_attr.GuidedBackprop(small_cnn).attribute(images, target=TARGET))


@pytest.mark.parametrize("method", ["gausslegendre", "riemann_trapezoid"])
def test_integrated_gradients_matches_captum(small_cnn, images, method):
    baseline = torch.full_like(images, -0.5)
    ours = IntegratedGradients(small_cnn).attribute(images, target=TARGET,
                                                    baselines=baseline, n_steps=20,
                                                    method=method)
    theirs = captum_attr.IntegratedGradients(small_cnn).attribute(
        images, target=TARGET, baselines=baseline, n_steps=20, method=method)
    close(ours, theirs)


def test_gradcam_matches_captum_layer_gradcam(small_cnn, images):
    ours = GradCAM(small_cnn, "relu2").attribute(images, target=TARGET, upsample=False)
    lgc = captum_attr.LayerGradCam(small_cnn, small_cnn.relu2)
    theirs = lgc.attribute(images, target=TARGET, relu_attributions=True)
    close(ours, theirs)
    up = GradCAM(small_cnn, small_cnn.relu2).attribute(images, target=TARGET)
    close(up, captum_attr.LayerAttribution.interpolate(theirs, (32, 32), "bilinear"))
    assert up.shape == (2, 1, 32, 32)


def test_channels_last_nnlab_model_matches_captum_on_the_same_torch_net(nnlab_cnn, images):
    """Our methods on an nnlab NHWC model == captum on the identical NCHW torch network
    (weights copied; the dense kernel's columns permuted from HWC to CHW order)."""
    from tests.interpret.conftest import SmallCNN
    torch_net = SmallCNN().eval()
    sd = nnlab_cnn.state_dict()
    with torch.no_grad():
        for name in ("conv1", "conv2"):
            getattr(torch_net, name).weight.copy_(sd[f"{name}.kernel"])
            getattr(torch_net, name).bias.copy_(sd[f"{name}.bias"])
        fc = sd["logits.kernel"].reshape(10, 8, 8, 16).permute(0, 3, 1, 2).reshape(10, -1)
        torch_net.fc.weight.copy_(fc)
        torch_net.fc.bias.copy_(sd["logits.bias"])
    x = images.permute(0, 2, 3, 1).contiguous()                      # (2, 32, 32, 3)
    torch.testing.assert_close(nnlab_cnn(x), torch_net(images), rtol=1e-5, atol=1e-5)

    def nhwc(t):
        return t.permute(0, 2, 3, 1)

    close(Saliency(nnlab_cnn).attribute(x, target=TARGET),
          nhwc(captum_attr.Saliency(torch_net).attribute(images, target=TARGET)))
    close(Occlusion(nnlab_cnn).attribute(x, sliding_window_shapes=(8, 8), strides=(4, 4),
                                         target=TARGET),
          nhwc(captum_attr.Occlusion(torch_net).attribute(
              images, sliding_window_shapes=(3, 8, 8), strides=(3, 4, 4), target=TARGET)))
    close(GuidedBackprop(nnlab_cnn).attribute(x, target=TARGET),
          nhwc(captum_attr.GuidedBackprop(torch_net).attribute(images, target=TARGET)))
    close(IntegratedGradients(nnlab_cnn).attribute(x, target=TARGET, n_steps=10),
          nhwc(captum_attr.IntegratedGradients(torch_net).attribute(images, target=TARGET,
                                                                    n_steps=10)))
    cam = GradCAM(nnlab_cnn, "relu2").attribute(x, target=TARGET, upsample=False)
    ref = captum_attr.LayerGradCam(torch_net, torch_net.relu2).attribute(
        images, target=TARGET, relu_attributions=True)
    close(cam, nhwc(ref))
