"""Shared fixtures of the interpret tests: a small CNN as a plain nn.Module (what captum
is run on) and the same network as an nnlab model (channels_last)."""
import numpy as np
import pytest
import torch
from torch import nn

import nnlab
from nnlab import layers


class SmallCNN(nn.Module):
    """(N, 3, 32, 32) -> (N, 10): conv-ReLU-pool x2 -> linear."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.relu1 = nn.ReLU(inplace=inplace)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.relu2 = nn.ReLU(inplace=inplace)
        self.fc = nn.Linear(16 * 8 * 8, 10)

    def forward(self, x):
        x = self.pool(self.relu1(self.conv1(x)))
        x = self.pool(self.relu2(self.conv2(x)))
        return self.fc(x.flatten(1))


@pytest.fixture
def small_cnn():
    torch.manual_seed(0)
    return SmallCNN().eval()


@pytest.fixture
def images():
    torch.manual_seed(1)
    return torch.randn(2, 3, 32, 32)


@pytest.fixture
def nnlab_cnn():
    """A channels_last nnlab model: (N, 32, 32, 3) -> (N, 10) logits."""
    nnlab.set_seed(0)
    model = nnlab.Sequential([
        layers.Input((32, 32, 3)) if hasattr(layers, "Input") else nnlab.Input((32, 32, 3)),
        layers.Conv2D(8, 3, padding="same", name="conv1"), layers.ReLU(name="relu1"),
        layers.MaxPooling2D(2), layers.Conv2D(16, 3, padding="same", name="conv2"),
        layers.ReLU(name="relu2"), layers.MaxPooling2D(2), layers.Flatten(),
        layers.Dense(10, name="logits")])
    return model.eval()


@pytest.fixture(scope="session")
def photos():
    from nnlab.data import load_photos
    try:
        found = load_photos()
    except Exception as err:  # absent source: skip with the loader's message
        pytest.skip(f"photos absent ({err}); run `nnlab data fetch photos`")
    if "chelsea" not in found:
        pytest.skip("scikit-image's photos absent: run `nnlab data fetch photos`")
    return found


def center_crop(image: np.ndarray, size: int = 224) -> np.ndarray:
    from nnlab.interpret.plotting import fit_image
    return fit_image(image, size)


@pytest.fixture(scope="session")
def efficientnet():
    """EfficientNet-Lite0 with its shipped ImageNet weights, frozen, in eval mode, any
    input size (loaded once for all interpret tests; skipped when the weights are absent)."""
    from nnlab import zoo
    from nnlab.zoo.efficientnet import find_weights
    if find_weights() is None:
        pytest.skip("EfficientNet-Lite0 weights absent: run `nnlab data fetch efficientnet_lite0`")
    model = zoo.create("efficientnet_lite0", weights="imagenet", input_shape=(None, None, 3))
    for p in model.parameters():
        p.requires_grad_(False)
    return model.eval()
