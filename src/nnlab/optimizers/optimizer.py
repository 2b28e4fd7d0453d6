"""The optimizer spec base: Keras-named specs that build ``torch.optim`` optimizers.

nnlab never writes a new update rule; each spec names a torch optimizer.

A spec (``Adam(learning_rate=1e-3)``) only holds hyper-parameters; ``spec.build(params)``
returns the torch optimizer, and :func:`get` resolves ``"adam"``, a spec, a torch
optimizer or a torch optimizer class. Keras hyper-parameter names map to torch's
(``beta_1, beta_2 -> betas``, ``epsilon -> eps``, ``rho -> alpha``), with Keras' defaults.

Gradient clipping is the trainer's job, between ``backward()`` and ``step()``:
``spec.clip_gradients(params)`` or :func:`clip_gradients`. As in Keras, ``clipnorm``
clips each parameter's gradient norm, ``global_clipnorm`` the norm of all gradients
together, ``clipvalue`` each element. The built optimizer carries its spec as
``optimizer.nnlab_spec`` (clipping settings, learning-rate schedule).

Custom training steps (Keras 3) use a spec imperatively: ``spec.apply(grads, variables)``
or ``spec.apply_gradients(zip(grads, variables))`` builds the torch optimizer over the
variables on first use (or reuses the one ``fit`` built), then runs one ``step()``;
``spec.iterations`` counts the updates. ``state_dict()``/``load_state_dict()`` carry the
torch state and that count through fit's resume checkpoints.
"""
from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable
from typing import Any

import torch

from nnlab.registry import Registry

from .apply import ApplyMixin
from .keras2_arguments import keras2_optimizer_arguments
from .kernels import build_with_kernel

OPTIMIZERS = Registry("optimizer")
Params = Iterable[torch.Tensor] | Iterable[dict] | torch.nn.Module


def clip_gradients(params: Params, clipnorm: float | None = None,
                   clipvalue: float | None = None,
                   global_clipnorm: float | None = None) -> torch.Tensor | None:
    """Clip gradients in place, Keras semantics, with ``torch.nn.utils``.

    ``clipnorm``: each parameter's gradient ``g <- g * min(1, clipnorm / ||g||)``.
    ``global_clipnorm``: all gradients scaled together so ``sqrt(sum ||g_i||^2) <= c``
    (``clip_grad_norm_``; returns the norm before clipping). ``clipvalue``: each element
    clamped to ``[-clipvalue, clipvalue]`` (``clip_grad_value_``).
    """
    if isinstance(params, torch.nn.Module):
        params = params.parameters()
    params = [p for p in _flatten(params) if p.grad is not None]
    total = None
    if global_clipnorm is not None:
        total = torch.nn.utils.clip_grad_norm_(params, global_clipnorm)
    if clipnorm is not None:
        for p in params:
            torch.nn.utils.clip_grad_norm_(p, clipnorm)
    if clipvalue is not None:
        torch.nn.utils.clip_grad_value_(params, clipvalue)
    return total


def _flatten(params: Iterable) -> list:
    out = []
    for p in params:
        out.extend(p["params"] if isinstance(p, dict) else [p])
    return out


def needs_closure(optimizer: Any) -> bool:
    """True if ``step`` needs a closure re-evaluating the loss (L-BFGS)."""
    return bool(getattr(optimizer, "needs_closure", False)) or isinstance(
        optimizer, torch.optim.LBFGS)


def _positive(owner: str, name: str, value: Any, allow_zero: bool = False) -> None:
    ok = isinstance(value, (int, float)) and math.isfinite(value) and (
        value >= 0 if allow_zero else value > 0)
    if not ok:
        need = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{owner}: {name} must be a finite number {need}, got {value!r}")


def _unit(owner: str, name: str, value: Any) -> None:
    if not (isinstance(value, (int, float)) and 0.0 <= value < 1.0):
        raise ValueError(f"{owner}: {name} must be in [0, 1), got {value!r}")


class Optimizer(ApplyMixin):
    """Base spec: Keras-named hyper-parameters and ``build(params) -> torch.optim.Optimizer``.

    ``learning_rate`` is a float or a schedule ``step -> lr`` (then ``build`` starts at
    ``schedule(0)`` and the trainer applies the schedule each step).
    """

    torch_class: type = torch.optim.Optimizer
    needs_closure = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:  # Keras 2's lr= / decay= (one-time warning)
            cls.__init__ = keras2_optimizer_arguments(cls.__init__)

    def __init__(self, learning_rate: float | Callable[[int], float],
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, name: str | None = None):
        self.name = name or type(self).__name__
        self.schedule = learning_rate if callable(learning_rate) else None
        lr = float(learning_rate(0)) if callable(learning_rate) else learning_rate
        _positive(self.name, "learning_rate", lr)
        clips = {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm}
        given = [k for k, v in clips.items() if v is not None]
        if len(given) > 1:
            raise ValueError(f"{self.name}: set at most one of clipnorm, clipvalue and "
                             f"global_clipnorm (as Keras), got {given}")
        for k in given:
            _positive(self.name, k, clips[k])
        self._torch: torch.optim.Optimizer | None = None  # the last optimizer built
        self.learning_rate, self._lr_arg = float(lr), learning_rate
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.iterations = 0  # updates made through apply() (Keras' optimizer.iterations)
        self._pending_state: dict | None = None  # restored by the first build()

    @property
    def learning_rate(self) -> float:
        """The current learning rate: the built torch optimizer's once there is one (so
        a callback's change shows), else the configured value. Assignable."""
        if self._torch is not None:
            return float(self._torch.param_groups[0]["lr"])
        return self._lr

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        _positive(self.name, "learning_rate", value, allow_zero=True)
        self._lr = float(value)
        if self._torch is not None:
            for group in self._torch.param_groups:
                group["lr"] = self._lr

    def _torch_kwargs(self) -> dict:
        raise NotImplementedError

    def build(self, params: Params) -> torch.optim.Optimizer:
        """Make the torch optimizer over ``params`` (tensors, param-group dicts or a Module)."""
        if isinstance(params, torch.nn.Module):
            params = [p for p in params.parameters() if p.requires_grad]
        params = list(params)
        if not params:
            raise ValueError(f"{self.name}: got no parameters to optimise (an empty list); "
                             f"build the model before compiling or pass model.parameters().")
        opt = build_with_kernel(self.torch_class, params, self._torch_kwargs())
        opt.nnlab_spec = self
        self._torch = opt
        if self._pending_state is not None:  # load_state_dict() before the build
            state, self._pending_state = self._pending_state, None
            self._load_torch_state(state)
        return opt

    def clip_gradients(self, params: Params) -> torch.Tensor | None:
        """Apply this spec's ``clipnorm`` / ``clipvalue`` / ``global_clipnorm`` in place."""
        return clip_gradients(params, self.clipnorm, self.clipvalue, self.global_clipnorm)

    def get_config(self) -> dict:
        lr = self._lr_arg
        if callable(lr):
            lr = {"class_name": type(lr).__name__,
                  "config": lr.get_config() if hasattr(lr, "get_config") else None}
        sig = inspect.signature(type(self).__init__).parameters
        cfg = {k: getattr(self, k) for k in sig if k not in ("self", "learning_rate")}
        return {"learning_rate": lr, **cfg}

    @classmethod
    def from_config(cls, config: dict) -> Optimizer:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if v is not None)
        return f"{type(self).__name__}({args})"
