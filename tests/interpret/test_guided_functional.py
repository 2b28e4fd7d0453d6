"""Guided backprop guides every ReLU a model can have: ``activation="relu"`` (the lectures'
idiom), functional ``torch.relu``/``F.relu``/``Tensor.relu`` in a plain module, and ReLU
modules; checked against captum's GuidedBackprop on the same network built with
``nn.ReLU`` modules (issue 26, break 3)."""
import pytest
import torch
import torch.nn.functional as F
from captum import attr as captum_attr
from torch import nn

from nnlab.interpret import GuidedBackprop, Saliency
from nnlab.layers import Conv2D, Dense, GlobalAveragePooling2D, MaxPooling2D
from nnlab.models import Sequential


def _kwarg_relu_model():
    torch.manual_seed(0)
    return Sequential([Conv2D(6, 3, activation="relu", input_shape=(10, 10, 3)),
                       MaxPooling2D(2), Conv2D(8, 3, activation="relu"),
                       GlobalAveragePooling2D(), Dense(16, activation="relu"), Dense(4)])


def _module_relu_twin(model):
    """The same network with the ReLUs as nn.ReLU modules (what captum can hook)."""
    twin = Sequential([Conv2D(6, 3, input_shape=(10, 10, 3)), nn.ReLU(), MaxPooling2D(2),
                       Conv2D(8, 3), nn.ReLU(), GlobalAveragePooling2D(), Dense(16), nn.ReLU(),
                       Dense(4)])
    twin.set_weights(model.get_weights())
    return twin


def test_activation_kwarg_relus_are_guided_as_captum_guides_relu_modules():
    model = _kwarg_relu_model()
    twin = _module_relu_twin(model)
    x = torch.randn(3, 10, 10, 3)
    torch.testing.assert_close(model(x), twin(x))
    ours = GuidedBackprop(model).attribute(x, target=[0, 2, 3])
    theirs = captum_attr.GuidedBackprop(twin).attribute(x, target=[0, 2, 3])
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-6)
    plain = Saliency(model).attribute(x, target=[0, 2, 3], abs=False)
    assert not torch.allclose(ours, plain, atol=1e-6)          # the guidance did something
    # and the model is left as it was: plain gradients are plain again
    torch.testing.assert_close(Saliency(model).attribute(x, target=[0, 2, 3], abs=False), plain)


class _Plain(nn.Module):
    """A plain torch CNN whose ReLUs are functional calls, or nn.ReLU modules (the twin)."""

    def __init__(self, modules=False):
        super().__init__()
        torch.manual_seed(1)
        self.conv1, self.conv2 = nn.Conv2d(3, 6, 3), nn.Conv2d(6, 8, 3)
        self.fc1, self.fc2 = nn.Linear(8, 16), nn.Linear(16, 4)
        self.relus = nn.ModuleList([nn.ReLU() for _ in range(3)]) if modules else None

    def forward(self, x):
        r = self.relus
        x = r[0](self.conv1(x)) if r else torch.relu(self.conv1(x))
        x = r[1](self.conv2(x)) if r else F.relu(self.conv2(x))
        x = x.mean((2, 3))
        x = r[2](self.fc1(x)) if r else self.fc1(x).relu()
        return self.fc2(x)


def test_functional_relus_in_a_plain_module_are_guided_as_captum():
    x = torch.randn(2, 3, 10, 10)
    functional, twin = _Plain(), _Plain(modules=True)
    torch.testing.assert_close(functional(x), twin(x))
    ours = GuidedBackprop(functional).attribute(x, target=1)
    theirs = captum_attr.GuidedBackprop(twin).attribute(x, target=1)
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-6)
    assert not torch.allclose(ours, Saliency(functional).attribute(x, target=1, abs=False))


def test_a_model_without_relu_is_refused_naming_it_and_what_to_use():
    net = nn.Sequential(nn.Conv2d(3, 2, 3), nn.Tanh(), nn.Flatten(), nn.Linear(2 * 64, 3))
    with pytest.raises(ValueError, match=r"no ReLU ran in the forward pass of model Sequential"
                                         r".*nnlab.interpret.Saliency"):
        GuidedBackprop(net).attribute(torch.randn(1, 3, 10, 10), target=0)


def test_in_place_relu_whose_result_is_dropped_is_refused():
    class InPlace(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, x):
            h = self.fc(x)
            h.relu_()
            return h

    with pytest.raises(ValueError, match=r"model InPlace calls the in-place .*relu_.*"
                                         r"x = torch.relu\(x\)"):
        GuidedBackprop(InPlace()).attribute(torch.randn(2, 4), target=0)
