"""Gradient checking: autograd's gradients against centred finite differences, in float64.

The lecture's recipe (CS231n, "babysitting the learning process"): compare the analytic
gradient ``a`` with the numeric one ``n = (f(x + h) - f(x - h)) / 2h`` through the
relative error ``|a - n| / max(|a| + |n|, 1e-12)``:

========================  =============================================
relative error            verdict
========================  =============================================
``< 1e-7``                fine
``< 1e-5``                suspicious (fine with kinks such as ReLU)
``< 1e-3``                probably wrong (unless the function has kinks)
``>= 1e-3``               wrong
========================  =============================================

Two details make the numbers trustworthy on real models: the numeric difference is taken
term by term of the loss before summing, and the part of ``|a - n|`` that the
finite differences' own round-off can explain is discounted (``max_raw_error`` keeps the
plain formula). Without them a correct network reports "suspicious" on coordinates whose
gradient is small next to the loss, and "wrong" on a mathematically zero gradient such as
a bias followed by batch norm.
"""
# ruff: noqa: TRY004 -- bad arguments raise ValueError naming the argument (nnlab's rule)
from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from ..tree import flatten
from ._common import check_float, check_int, check_module, describe, format_table, preserved_rng

#: tensors with at most this many elements are checked at every coordinate by default
SMALL_TENSOR = 64
#: coordinates sampled per larger tensor by default
DEFAULT_CHECKS = 20
_EPS64 = float(torch.finfo(torch.float64).eps)
#: the finite-difference round-off bound is taken this many times over (see _check_tensor)
ROUNDOFF_SAFETY = 10.0
_DROPOUT_TYPES = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout,
                  nn.FeatureAlphaDropout)


def relative_error_verdict(error: float) -> str:
    """The lecture's reading of a gradient-check relative error."""
    if not math.isfinite(error):
        return "wrong"
    if error < 1e-7:
        return "fine"
    if error < 1e-5:
        return "suspicious"
    if error < 1e-3:
        return "probably wrong"
    return "wrong"


@dataclass
class TensorCheck:
    """The result for one tensor: the largest relative error (round-off discounted), the
    largest plain ``|a - n| / max(|a| + |n|, 1e-12)`` and the worst coordinate's gradients."""
    name: str
    shape: tuple[int, ...]
    checked: int
    max_error: float
    raw_error: float
    worst_index: tuple[int, ...]
    analytic: float
    numeric: float

    @property
    def verdict(self) -> str:
        return relative_error_verdict(self.max_error)


class GradCheckReport:
    """What :func:`gradient_check` found; ``print(report)`` shows the table.

    Attributes:
        checks: one :class:`TensorCheck` per parameter and input tensor.
        max_error: the largest relative error over every checked coordinate, after
            discounting the finite differences' round-off bound (see below).
        max_raw_error: the same without the discount (the lecture's plain formula).
        per_tensor: ``{tensor name: max relative error}``.
        ok: ``max_error < threshold``.
        verdict: the lecture's reading of ``max_error``.
    """

    def __init__(self, checks: list[TensorCheck], threshold: float, eps: float,
                 training: bool):
        self.checks = checks
        self.threshold = threshold
        self.eps = eps
        self.training = training

    @property
    def max_error(self) -> float:
        return max((c.max_error for c in self.checks), default=0.0)

    @property
    def max_raw_error(self) -> float:
        return max((c.raw_error for c in self.checks), default=0.0)

    @property
    def per_tensor(self) -> dict[str, float]:
        return {c.name: c.max_error for c in self.checks}

    @property
    def ok(self) -> bool:
        return bool(self.max_error < self.threshold)

    @property
    def verdict(self) -> str:
        return relative_error_verdict(self.max_error)

    def __str__(self) -> str:
        rows = [(c.name, "x".join(map(str, c.shape)) or "scalar", c.checked,
                 f"{c.max_error:.2e}", f"{c.raw_error:.2e}", f"{c.analytic:+.6e}",
                 f"{c.numeric:+.6e}", c.verdict) for c in self.checks]
        table = format_table(["tensor", "shape", "checked", "rel error", "raw", "analytic",
                              "numeric", "verdict"], rows)
        mode = "training" if self.training else "inference"
        return (f"Gradient check (float64, {mode} mode, h={self.eps:g})\n{table}\n"
                f"max relative error {self.max_error:.2e}: {self.verdict} -> "
                f"{'OK' if self.ok else 'FAILED'} (threshold {self.threshold:g})")

    __repr__ = __str__


def default_loss_terms(outputs: Any, seed: int = 0) -> torch.Tensor:
    """The terms of :func:`default_loss`, flattened to one float64 vector."""
    terms = []
    generator = torch.Generator().manual_seed(seed)
    for y in flatten(outputs):
        if not isinstance(y, torch.Tensor) or not y.is_floating_point():
            continue
        r = torch.randn(y.shape, generator=generator, dtype=torch.float64).to(y.device)
        ry = r * y
        terms.append((ry + 0.5 * ry * ry).reshape(-1))
    if not terms:
        raise ValueError("gradient_check: the model returned no floating-point output to "
                         "differentiate")
    return torch.cat(terms)


def default_loss(outputs: Any, seed: int = 0) -> torch.Tensor:
    """``L = sum_k sum_i (r_ki y_ki + 1/2 (r_ki y_ki)^2)`` with fixed ``r ~ N(0, 1)`` (seeded).

    Up to a constant this is ``1/2 sum (r * y + 1)^2``: a sum of squares of the outputs
    times a fixed random projection. The projection makes the loss sensitive to every
    output in its own direction (a plain ``sum(y)`` has zero gradient through a softmax
    or a batch norm); the linear part keeps gradients away from zero where ``y = 0``.
    """
    return default_loss_terms(outputs, seed).sum()


def _convert_inputs(inputs: Any) -> tuple[Any, list[torch.Tensor]]:
    """Inputs as float64 leaf tensors (integer tensors untouched); returns the structure to
    call the model with and the list of floating tensors to check."""
    def one(value: Any, where: str) -> torch.Tensor:
        if isinstance(value, np.ndarray):
            value = torch.from_numpy(np.ascontiguousarray(value))
        if not isinstance(value, torch.Tensor):
            raise ValueError(f"gradient_check: inputs{where} must be a torch tensor or numpy "
                             f"array (or a list of them), got {describe(value)}")
        value = value.detach().clone()
        return value.double() if value.is_floating_point() else value

    if isinstance(inputs, (list, tuple)):
        if not inputs:
            raise ValueError("gradient_check: inputs must be a tensor or a non-empty list of "
                             "tensors, got an empty list")
        converted = [one(v, f"[{i}]") for i, v in enumerate(inputs)]
        return converted, converted
    converted = one(inputs, "")
    return converted, [converted]


def _named_tensors(model: nn.Module) -> list[tuple[str, torch.Tensor]]:
    """Every floating-point parameter, named ``layer_name/weight`` where possible."""
    out, seen = [], set()
    for path, module in model.named_modules():
        owner = getattr(module, "name", None) if isinstance(getattr(module, "name", None),
                                                            str) else path
        for pname, param in module.named_parameters(recurse=False):
            if id(param) in seen or not param.is_floating_point():
                continue
            seen.add(id(param))
            out.append((f"{owner or type(module).__name__}/{pname}", param))
    return out


def _prepare(model: nn.Module, call_args: Any, training: bool) -> nn.Module:
    """A float64 copy of ``model`` (built first if lazy), in the requested mode, dropout off."""
    work = copy.deepcopy(model)
    dtype = next((p.dtype for p in work.parameters() if p.is_floating_point()), torch.float32)
    # Build lazy layers in the model's own precision first; then switch the copy to float64.
    work.eval()
    with torch.no_grad():
        cast = [t.to(dtype) if t.is_floating_point() else t for t in flatten(call_args)]
        work(cast if isinstance(call_args, list) else cast[0])
    work.double()
    work.train(training)
    for module in work.modules():
        if isinstance(module, _DROPOUT_TYPES) or "Dropout" in type(module).__name__:
            module.eval()
    for param in work.parameters():
        if param.is_floating_point():
            param.requires_grad_(True)
    return work


def gradient_check(model_or_layer: nn.Module, inputs: Any,
                   loss_fn: Callable[[Any], torch.Tensor] | None = None, eps: float = 1e-6,
                   num_checks: int | None = None, seed: int = 0, training: bool = False,
                   threshold: float = 1e-6) -> GradCheckReport:
    """Compare autograd's gradients with numeric ones for every parameter and the input.

    Works on a float64 deep copy of ``model_or_layer``; the module you pass is not changed
    (a lazy layer is built on the copy) and neither is torch's random state.

    For a scalar loss ``f`` and each checked coordinate ``x_i`` of a tensor:

        numeric  n = (f(x + h e_i) - f(x - h e_i)) / 2h
        analytic a = df/dx_i from one ``backward``
        raw relative error = |a - n| / max(|a| + |n|, 1e-12)
        relative error = max(|a - n| - 10 delta, 0) / max(|a| + |n|, 1e-12)

    where ``delta = eps64 (sum|t(x + h)| + sum|t(x - h)|) / 2h`` bounds the round-off of
    the difference of the loss terms ``t`` (``eps64 = 2.2e-16``). Verdicts and ``ok`` use
    the relative error.

    Args:
        model_or_layer: any ``torch.nn.Module`` (nnlab layer or model).
        inputs: one batch, e.g. ``(batch, features)`` or ``(batch, height, width,
            channels)``; a tensor or numpy array, or a list of them for a multi-input model
            (passed as one list, Keras style). Floating inputs are checked too; integer
            inputs (token ids) are passed through.
        loss_fn: ``loss_fn(outputs) -> scalar tensor``; default :func:`default_loss`,
            ``sum (r y + 1/2 (r y)^2)`` with a fixed random projection ``r``.
        eps: the step ``h`` (the lecture's 1e-6; much smaller and round-off dominates).
        num_checks: coordinates per tensor; default every coordinate of tensors with at
            most 64 elements and 20 random ones (seeded) of larger tensors.
        seed: seeds the coordinate sampling, the projection and every forward pass (so a
            stochastic layer draws the same noise in each evaluation).
        training: run in training mode (batch norm uses the batch's statistics); dropout
            is switched off in both modes.
        threshold: ``report.ok`` is ``max_error < threshold``.

    Returns:
        :class:`GradCheckReport` with ``max_error``, ``per_tensor``, ``ok`` and a table.

    Raises:
        ValueError: a bad argument, or a loss that is not a scalar.
    """
    owner = "gradient_check"
    check_module(owner, "model_or_layer", model_or_layer)
    eps = check_float(owner, "eps", eps, 0.0, 1e-1)
    if num_checks is not None:
        num_checks = check_int(owner, "num_checks", num_checks, 1)
    seed = check_int(owner, "seed", seed, 0)
    threshold = check_float(owner, "threshold", threshold, 0.0)
    if loss_fn is not None and not callable(loss_fn):
        raise ValueError(f"{owner}: loss_fn must be a callable outputs -> scalar tensor, got "
                         f"{describe(loss_fn)}")
    call_args, input_tensors = _convert_inputs(inputs)
    checked_inputs = [t for t in input_tensors if t.is_floating_point()]

    # torch.autograd.gradcheck would only tell pass/fail (it raises or returns a bool) with
    # its own tolerances; the lecture's diagnostic needs the relative error per tensor, so
    # the numeric loop is written out here.
    with preserved_rng(seed):
        work = _prepare(model_or_layer, call_args, training)
        named = _named_tensors(work)
        for t in checked_inputs:
            t.requires_grad_(True)
        input_names = ["input"] if len(input_tensors) == 1 else \
            [f"input[{i}]" for i, t in enumerate(input_tensors) if t.is_floating_point()]
        named += list(zip(input_names, checked_inputs))

        def evaluate() -> torch.Tensor:
            """The loss as a vector of terms (one term for a custom ``loss_fn``)."""
            torch.manual_seed(seed)
            outputs = work(call_args)
            if loss_fn is None:
                return default_loss_terms(outputs, seed)
            value = loss_fn(outputs)
            if not isinstance(value, torch.Tensor) or value.numel() != 1:
                raise ValueError(f"{owner}: loss_fn must return a scalar tensor, got "
                                 f"{describe(value)}")
            return value.reshape(1).double()

        with torch.enable_grad():
            value = evaluate().sum()
        if not value.requires_grad:
            raise ValueError(f"{owner}: the loss does not depend on any parameter or input "
                             f"(nothing to differentiate)")
        grads = torch.autograd.grad(value, [t for _, t in named], allow_unused=True)

        rng = np.random.default_rng(seed)
        checks = []
        with torch.no_grad():
            for (name, tensor), grad in zip(named, grads):
                if tensor.numel() == 0:
                    continue
                grad = torch.zeros_like(tensor) if grad is None else grad
                checks.append(_check_tensor(name, tensor, grad, evaluate, eps, num_checks,
                                            rng))
    return GradCheckReport(checks, threshold, eps, training)


def _check_tensor(name: str, tensor: torch.Tensor, grad: torch.Tensor, evaluate: Callable,
                  eps: float, num_checks: int | None, rng: np.random.Generator
                  ) -> TensorCheck:
    """Numeric vs analytic gradient on sampled coordinates of one tensor (perturbed in place
    and restored).

    Round-off: each loss term ``t`` is computed with an error of about ``eps64 |t|``, so the
    centred difference carries an error of up to ``delta = eps64 (sum|t(x+h)| +
    sum|t(x-h)|) / 2h``. That part of ``|a - n|`` says nothing about the gradient code and
    is discounted (``ROUNDOFF_SAFETY`` times over): a mathematically zero gradient (a bias
    before batch norm) or a tiny one would otherwise read as "wrong". The plain lecture
    formula is kept as ``raw_error``.
    """
    n = tensor.numel()
    if num_checks is None:
        k = n if n <= SMALL_TENSOR else DEFAULT_CHECKS
    else:
        k = min(num_checks, n)
    flat_ids = np.arange(n) if k == n else np.sort(rng.choice(n, size=k, replace=False))
    data = tensor.data
    worst = (-1.0, -1.0, (), 0.0, 0.0)  # error, raw error, index, analytic, numeric
    max_raw = 0.0
    for flat in flat_ids:
        index = tuple(int(i) for i in np.unravel_index(int(flat), tuple(tensor.shape)))
        original = data[index].item()
        data[index] = original + eps
        plus = evaluate()
        data[index] = original - eps
        minus = evaluate()
        data[index] = original
        # Differences are taken term by term before summing: the round-off of one large
        # sum would otherwise swamp small gradients.
        numeric = (plus - minus).sum().item() / (2 * eps)
        roundoff = _EPS64 * (plus.abs().sum() + minus.abs().sum()).item() / (2 * eps)
        analytic = grad[index].item()
        scale = max(abs(analytic) + abs(numeric), 1e-12)
        raw = abs(analytic - numeric) / scale
        error = max(abs(analytic - numeric) - ROUNDOFF_SAFETY * roundoff, 0.0) / scale
        if math.isnan(raw):  # a NaN gradient (or loss) is never right
            raw = error = math.inf
        max_raw = max(max_raw, raw)
        if (error, raw) > worst[:2]:
            worst = (error, raw, index, analytic, numeric)
    return TensorCheck(name, tuple(tensor.shape), len(flat_ids), worst[0], max_raw, worst[2],
                       worst[3], worst[4])


__all__ = ["GradCheckReport", "TensorCheck", "default_loss", "gradient_check",
           "relative_error_verdict"]
