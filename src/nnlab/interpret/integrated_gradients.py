"""Integrated gradients (Sundararajan, Taly and Yan, "Axiomatic Attribution for Deep
Networks", ICML 2017, eq. 1)::

    IG_i(x) = (x_i - x'_i) * integral_0^1 dF(x' + a (x - x')) / dx_i da

with baseline ``x'`` (default zeros), approximated by a quadrature with ``n_steps``
points. The rules and their coefficients are captum's: ``'gausslegendre'`` (default;
``numpy.polynomial.legendre.leggauss`` rescaled to [0, 1]) and ``'riemann_left'``,
``'riemann_right'``, ``'riemann_middle'``, ``'riemann_trapezoid'``.
"""
from __future__ import annotations

from typing import List, Tuple, Union

import numpy as np
import torch

from ._common import TargetType, check_inputs, num_outputs, target_index
from .saliency import Attribution, reusing_large_blocks, input_gradients

METHODS = ("gausslegendre", "riemann_left", "riemann_right", "riemann_middle",
           "riemann_trapezoid")


def quadrature(method: str, n: int) -> Tuple[List[float], List[float]]:
    """``(step_sizes, alphas)`` of the rule: ``integral ~ sum step * f(alpha)``."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if not isinstance(n, int) or n < (1 if method == "gausslegendre" else 2):
        raise ValueError(f"n_steps must be an int >= 2 (>= 1 for gausslegendre), got {n!r}")
    if method == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(n)
        return (0.5 * weights).tolist(), (0.5 * (1 + nodes)).tolist()
    steps = [1 / n] * n
    if method == "riemann_trapezoid":
        steps[0] /= 2
        steps[-1] /= 2
        alphas = torch.linspace(0, 1, n)
    elif method == "riemann_left":
        alphas = torch.linspace(0, 1 - 1 / n, n)
    elif method == "riemann_middle":
        alphas = torch.linspace(1 / (2 * n), 1 - 1 / (2 * n), n)
    else:
        alphas = torch.linspace(1 / n, 1, n)
    return steps, alphas.tolist()


class IntegratedGradients(Attribution):
    """Integrated gradients. ``attribute(inputs, target, baselines=0, n_steps=50,
    method='gausslegendre', internal_batch_size=None)``.

    Args of ``attribute``:
        inputs: ``(batch, ...)`` preprocessed images.
        baselines: a number or a tensor broadcastable to ``inputs`` (the "absence" image).
        n_steps: quadrature points; ``internal_batch_size`` images per forward pass
            (default: all ``batch * n_steps`` at once).

    Returns: a tensor shaped like ``inputs``; its sum over a sample approximates
    ``F(x) - F(baseline)`` (completeness).
    """

    @reusing_large_blocks
    def attribute(self, inputs: torch.Tensor, target: TargetType = None,
                  baselines: Union[float, torch.Tensor] = 0.0, n_steps: int = 50,
                  method: str = "gausslegendre", internal_batch_size: int = None):
        check_inputs(inputs)
        steps, alphas = quadrature(method, n_steps)
        checked = target_index(target, inputs.shape[0], num_outputs(self.model, inputs)) \
            if target is not None else None
        base = torch.as_tensor(baselines, dtype=inputs.dtype, device=inputs.device)
        base = base.expand_as(inputs)
        delta = inputs - base
        n = inputs.shape[0]
        # all points of the path as one batch: alpha-major, (n_steps * batch, ...)
        a = torch.tensor(alphas, dtype=inputs.dtype, device=inputs.device)
        a = a.view(-1, *([1] * inputs.dim()))
        path = (base.unsqueeze(0) + a * delta.unsqueeze(0)).reshape(-1, *inputs.shape[1:])
        tgt = None if checked is None else checked.repeat(len(alphas))
        chunk = internal_batch_size or path.shape[0]
        grads = torch.cat([input_gradients(self.model, path[i:i + chunk],
                                           None if tgt is None else tgt[i:i + chunk])[0]
                           for i in range(0, path.shape[0], chunk)])
        w = torch.tensor(steps, dtype=inputs.dtype, device=inputs.device)
        total = (grads.reshape(len(alphas), n, *inputs.shape[1:])
                 * w.view(-1, *([1] * inputs.dim()))).sum(0)
        return total * delta
