"""Named activation functions (Keras names), each a thin call into ``torch.nn.functional``.

``get("relu")`` returns a function ``(tensor) -> tensor`` of the same shape.
``prelu`` (learned slope) and ``maxout`` (max over pieces, shrinks the last axis)
have state or change shapes, so they are layers: ``nnlab.layers.PReLU`` and
``nnlab.layers.Maxout``; ``Activation('prelu')`` and ``Activation('maxout')`` build them.
"""
from __future__ import annotations

from typing import Callable, Optional, Union

import torch
import torch.nn.functional as F

from .registry import Registry

ACTIVATIONS = Registry("activation")
# Names that Activation() turns into a layer with weights or a shape change.
LAYER_ACTIVATIONS = ("prelu", "maxout")


@ACTIVATIONS.add("linear")
def linear(x: torch.Tensor) -> torch.Tensor:
    """Identity: f(x) = x."""
    return x


@ACTIVATIONS.add("relu")
def relu(x: torch.Tensor) -> torch.Tensor:
    """f(x) = max(0, x)."""
    return F.relu(x)


@ACTIVATIONS.add("sigmoid")
def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """f(x) = 1 / (1 + exp(-x))."""
    return torch.sigmoid(x)


@ACTIVATIONS.add("hard_sigmoid")
def hard_sigmoid(x: torch.Tensor) -> torch.Tensor:
    """Piecewise-linear sigmoid (torch's hardsigmoid: relu6(x + 3) / 6)."""
    return F.hardsigmoid(x)


@ACTIVATIONS.add("tanh")
def tanh(x: torch.Tensor) -> torch.Tensor:
    """f(x) = tanh(x)."""
    return torch.tanh(x)


@ACTIVATIONS.add("leaky_relu")
def leaky_relu(x: torch.Tensor, negative_slope: float = 0.2) -> torch.Tensor:
    """f(x) = x if x > 0 else 0.2 x (Keras 3's default slope)."""
    return F.leaky_relu(x, negative_slope)


@ACTIVATIONS.add("elu")
def elu(x: torch.Tensor) -> torch.Tensor:
    """f(x) = x if x > 0 else exp(x) - 1."""
    return F.elu(x)


@ACTIVATIONS.add("selu")
def selu(x: torch.Tensor) -> torch.Tensor:
    return F.selu(x)


@ACTIVATIONS.add("gelu")
def gelu(x: torch.Tensor) -> torch.Tensor:
    return F.gelu(x)


@ACTIVATIONS.add("swish", "silu")
def silu(x: torch.Tensor) -> torch.Tensor:
    return F.silu(x)


#: Keras' other name for silu (``keras.activations.swish``), the same function
swish = silu


@ACTIVATIONS.add("mish")
def mish(x: torch.Tensor) -> torch.Tensor:
    """f(x) = x * tanh(softplus(x)) (Misra, 2019)."""
    return F.mish(x)


@ACTIVATIONS.add("relu6")
def relu6(x: torch.Tensor) -> torch.Tensor:
    return F.relu6(x)


@ACTIVATIONS.add("softplus")
def softplus(x: torch.Tensor) -> torch.Tensor:
    return F.softplus(x)


@ACTIVATIONS.add("softsign")
def softsign(x: torch.Tensor) -> torch.Tensor:
    return F.softsign(x)


@ACTIVATIONS.add("exponential")
def exponential(x: torch.Tensor) -> torch.Tensor:
    return torch.exp(x)


@ACTIVATIONS.add("softmax")
def softmax(x: torch.Tensor) -> torch.Tensor:
    """Softmax over the last axis: exp(x_i) / sum_j exp(x_j)."""
    return F.softmax(x, dim=-1)


@ACTIVATIONS.add("log_softmax")
def log_softmax(x: torch.Tensor) -> torch.Tensor:
    return F.log_softmax(x, dim=-1)


def get(identifier: Union[None, str, Callable]) -> Callable[[torch.Tensor], torch.Tensor]:
    """Resolve ``None``, a name or a callable to an activation function.

    Raises:
        ValueError: for an unknown name (the message lists the known ones,
            including the layer activations ``prelu`` and ``maxout``).
    """
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in LAYER_ACTIVATIONS:
        raise ValueError(
            f"Activation {identifier!r} has weights or changes the shape; use "
            f"Activation({identifier!r}) or the layer nnlab.layers."
            f"{'PReLU' if identifier.lower() == 'prelu' else 'Maxout'} instead of a function."
        )
    if isinstance(identifier, str) and identifier not in ACTIVATIONS:
        known = ", ".join(sorted(ACTIVATIONS.names() + list(LAYER_ACTIVATIONS)))
        raise ValueError(f"Unknown activation {identifier!r}. Known activations: {known}")
    return ACTIVATIONS.get(identifier)


def serialize(fn: Optional[Callable]) -> Optional[str]:
    """Return the registry name of an activation function (for configs)."""
    if fn is None:
        return None
    if isinstance(fn, str):
        return fn
    for name, obj in ACTIVATIONS.items():
        if obj is fn:
            return name
    raise ValueError(
        f"Activation {fn!r} is not a named nnlab activation and cannot be saved in a config; "
        f"register it with nnlab.activations.ACTIVATIONS.register(name, fn)."
    )
