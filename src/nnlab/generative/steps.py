"""Small helpers shared by the generative models' ``train_step`` overrides (floor 3 uses
only the public custom-step contract: ``optimizer.apply(grads, variables)``)."""
from __future__ import annotations

from typing import Any, Sequence

import torch


def params_of(model: Any) -> list:
    """The trainable torch parameters of ``model`` (``trainable_weights`` unwrapped; a
    plain torch module's parameters that require grad)."""
    if not hasattr(model, "trainable_weights"):
        return [p for p in model.parameters() if p.requires_grad]
    return [getattr(v, "value", v) for v in model.trainable_weights]


def minimize(optimizer: Any, loss: torch.Tensor, variables: Sequence[torch.Tensor],
             retain_graph: bool = False) -> None:
    """One optimizer update of ``variables`` down the gradient of the scalar ``loss``.

    Gradients come from ``torch.autograd.grad`` (only ``variables`` are touched, so two
    optimizers can update two halves of one model) and go to ``optimizer.apply``.
    """
    variables = list(variables)
    grads = torch.autograd.grad(loss, variables, allow_unused=True, retain_graph=retain_graph)
    optimizer.apply(list(grads), variables)


def first_input(data: Any) -> torch.Tensor:
    """``x`` of a packed batch (``x``, ``(x,)``, ``(x, y)`` or ``(x, y, w)``)."""
    while isinstance(data, (tuple, list)):
        data = data[0]
    return data


def check_same_shape(owner: str, x: torch.Tensor, recon: torch.Tensor) -> None:
    """A clear error when a decoder's output does not match its input's shape."""
    if tuple(recon.shape) != tuple(x.shape):
        raise ValueError(f"{owner}: the decoder's output shape {tuple(recon.shape)} does not "
                         f"match the input shape {tuple(x.shape)}; make the decoder end in "
                         f"the input's shape (e.g. a Reshape{tuple(x.shape[1:])})")


def check_unit_interval(owner: str, x: torch.Tensor) -> None:
    """A clear error when Bernoulli-likelihood data falls outside [0, 1]."""
    lo, hi = float(x.min()), float(x.max())
    if lo < 0.0 or hi > 1.0:
        raise ValueError(f"{owner}: a Bernoulli likelihood needs data in [0, 1], got values "
                         f"in [{lo:.3g}, {hi:.3g}]; scale the data (x / 255) or use "
                         f"likelihood='gaussian'")
