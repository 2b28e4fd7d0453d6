"""Attributions say which scores they explain and let the user choose: what the model
returns (default, captum's) or, with ``scores="logits"``, the scores before its final
softmax, for softmax heads written as ``activation="softmax"`` and as ``nn.Softmax``."""
import numpy as np
import pytest
import torch
from torch import nn

import nnlab
from nnlab import layers as L
from nnlab.interpret import (GradCAM, GuidedBackprop, IntegratedGradients, Occlusion,
                             Saliency)


def _pair(activation):
    nnlab.set_seed(0)
    model = nnlab.Sequential([L.Conv2D(4, 3, activation="relu", input_shape=(6, 6, 2)),
                              L.Flatten(), L.Dense(3, activation=activation)])
    return model


def _twins():
    """The same network ending in softmax, and without it."""
    probs, logits = _pair("softmax"), _pair(None)
    logits.set_weights(probs.get_weights())
    return probs, logits


X = torch.rand(2, 6, 6, 2)


@pytest.mark.parametrize("method", [
    lambda m, s: Saliency(m, scores=s).attribute(X, target=[0, 2], abs=False),
    lambda m, s: GuidedBackprop(m, scores=s).attribute(X, target=[0, 2]),
    lambda m, s: IntegratedGradients(m, scores=s).attribute(X, target=[0, 2], n_steps=8),
    lambda m, s: Occlusion(m, scores=s).attribute(X, sliding_window_shapes=(2, 2),
                                                  strides=(2, 2), target=[0, 2]),
    lambda m, s: GradCAM(m, m.layers[0], scores=s).attribute(X, target=[0, 2],
                                                             relu_attributions=False)],
    ids=["saliency", "guided", "integrated_gradients", "occlusion", "gradcam"])
def test_logits_of_a_softmax_model_equal_the_same_model_without_softmax(method):
    probs, logits = _twins()
    chosen = method(probs, "logits")
    torch.testing.assert_close(chosen, method(logits, "output"), rtol=1e-5, atol=1e-6)
    assert not torch.allclose(method(probs, "output"), chosen, atol=1e-6)   # default differs


def test_plain_module_with_nn_softmax_and_the_refusals():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(12, 3), nn.Softmax(dim=-1))
    x = torch.rand(2, 3, 2, 2)
    ours = Saliency(net, scores="logits").attribute(x, target=1, abs=False)
    torch.testing.assert_close(ours, Saliency(net[:2]).attribute(x, target=1, abs=False))
    with pytest.raises(ValueError, match=r"scores='logits': model Sequential does not end "
                                         r"in a softmax .* use scores='output'"):
        Saliency(net[:2], scores="logits").attribute(x, target=1)
    with pytest.raises(ValueError, match=r"scores must be 'output' .* or 'logits'"):
        Saliency(net, scores="probabilities")
    assert np.isfinite(Saliency(net).attribute(x, target=1).numpy()).all()


def test_style_transfer_on_a_fixed_size_model_is_refused_saying_how_to_build_it():
    """docs/interpret.md builds EfficientNet with zoo.create's default 224x224 input; style
    transfer at another size used to fail deep inside with a ShapeError."""
    from nnlab.interpret import style_transfer
    model = nnlab.Sequential([L.Conv2D(2, 3, input_shape=(16, 16, 3), name="c1"),
                              L.Conv2D(2, 3, name="c2")])
    image = torch.rand(1, 12, 12, 3)
    with pytest.raises(ValueError, match=r"StyleLoss \(style transfer, texture synthesis\): "
                                         r"model .* takes only 16x16 images .* content is "
                                         r"12x12\. Build it for any size, e\.g\. .*"
                                         r"input_shape=\(None, None, 3\)"):
        style_transfer(model, image, image, content_layer="c2", style_layers=["c1"],
                       steps=1, optimizer="adam", preprocess=lambda t: t)
    free = nnlab.Sequential([L.Conv2D(2, 3, input_shape=(None, None, 3), name="d1"),
                             L.Conv2D(2, 3, name="d2")])
    out, history = style_transfer(free, image, image, content_layer="d2",
                                  style_layers=["d1"], steps=2, optimizer="adam",
                                  preprocess=lambda t: t)
    assert out.shape == image.shape and len(history["total"]) == 3
