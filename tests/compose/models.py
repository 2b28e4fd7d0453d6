"""The five ways of building one small image classifier (3 classes, 8x8x3 images) that
the composition matrix applies every technique to, and the data they see.

``Case`` carries what a cell needs: the model, four images in [0, 1] in the model's
layout, their labels, the layer Grad-CAM looks at, how to make a fresh twin (same
architecture, other weights) and how to reload a saved one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import nnlab
from nnlab import layers as L

N, SIZE, CLASSES = 4, 8, 3


class SubclassedNet(nnlab.Model):
    """Subclassed nnlab.Model: two convs (activation kwarg and functional relu), a head."""

    def __init__(self, classes: int = CLASSES, **kwargs: Any):
        super().__init__(**kwargs)
        self.conv1 = L.Conv2D(4, 3, padding="same", activation="relu")
        self.conv2 = L.Conv2D(6, 3)
        self.pool = L.GlobalAveragePooling2D()
        self.head = L.Dense(classes)

    def call(self, x):
        return self.head(self.pool(torch.relu(self.conv2(self.conv1(x)))))


class PlainNet(nn.Module):
    """Plain torch CNN (channels first) with functional ReLUs."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.conv2 = nn.Conv2d(4, 6, 3)
        self.head = nn.Linear(6, CLASSES)

    def forward(self, x):
        x = F.relu(self.conv2(torch.relu(self.conv1(x))))
        return self.head(x.mean((2, 3)))


def sequential():
    return nnlab.Sequential([
        L.Conv2D(4, 3, padding="same", activation="relu", input_shape=(SIZE, SIZE, 3)),
        L.MaxPooling2D(2), L.Conv2D(6, 3, activation="relu"), L.Flatten(),
        L.Dense(8, activation="relu"), L.Dense(CLASSES)])


def functional():
    inputs = nnlab.Input((SIZE, SIZE, 3))
    a = L.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    b = L.Conv2D(4, 3, padding="same")(a)
    x = L.Activation("relu", name="merged")(L.Add()([a, b]))
    x = L.GlobalAveragePooling2D()(x)
    return nnlab.Model(inputs, L.Dense(CLASSES)(x))


def subclassed():
    model = SubclassedNet()
    model(np.zeros((1, SIZE, SIZE, 3), np.float32))     # built by a first call, as Keras
    return model


def zoo():
    """CIFAR ResNet-8 (batch norm, option-A skips) at 8x8, logits out."""
    return nnlab.zoo.create("resnet_cifar", depth=8, input_shape=(SIZE, SIZE, 3),
                            num_classes=CLASSES, classifier_activation=None)


@dataclass
class Case:
    style: str
    build: Callable[[], nn.Module]
    gradcam_layer: Callable[[nn.Module], Any]
    keras: bool = True
    custom_objects: Optional[Dict[str, Any]] = None
    seed: int = 0
    model: nn.Module = field(init=False)
    x: np.ndarray = field(init=False)
    y: np.ndarray = field(init=False)

    def __post_init__(self):
        self.model = self.fresh(self.seed)
        rng = np.random.default_rng(self.seed)
        shape = (N, 3, SIZE, SIZE) if not self.keras else (N, SIZE, SIZE, 3)
        self.x = rng.random(shape, dtype=np.float32)
        self.y = np.arange(N) % CLASSES

    def fresh(self, seed: int) -> nn.Module:
        """The same architecture with weights from ``seed`` (inference mode)."""
        nnlab.set_seed(seed)
        return self.build().eval()

    @property
    def tx(self) -> torch.Tensor:
        return torch.as_tensor(self.x)

    def outputs(self, model: Optional[nn.Module] = None) -> np.ndarray:
        """The model's scores for ``x``: ``predict`` (nnlab) or a forward pass (torch)."""
        model = self.model if model is None else model
        if self.keras:
            return model.predict(self.x, verbose=0)
        with torch.no_grad():
            return model.eval()(self.tx).numpy()


CASES = {
    "sequential": lambda: Case("sequential", sequential, lambda m: m.layers[2]),
    "functional": lambda: Case("functional", functional, lambda m: "merged"),
    "subclassed": lambda: Case("subclassed", subclassed, lambda m: m.conv1,
                               custom_objects={"SubclassedNet": SubclassedNet}),
    "plain_torch": lambda: Case("plain_torch", PlainNet, lambda m: m.conv1, keras=False),
    "zoo_resnet_bn": lambda: Case("zoo_resnet_bn", zoo, lambda m: "stage3_block1_out"),
}
