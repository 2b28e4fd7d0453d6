"""Keras-named optimizer specs that build ``torch.optim`` optimizers (never a new update rule).

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

import functools
import inspect
import math
from collections.abc import Callable, Iterable
from typing import Any

import torch

from nnlab.registry import Registry

from .optimizer_apply import ApplyMixin

__all__ = [
    "LBFGS", "OPTIMIZERS", "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Optimizer",
    "RMSprop", "TorchOptimizer", "as_spec", "clip_gradients", "get", "needs_closure",
]

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
            from .._deprecation import keras2_optimizer_arguments
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
        self._pending_state: dict | None = None  # restored before the first apply()

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
        opt = self.torch_class(params, **self._torch_kwargs())
        opt.nnlab_spec = self
        self._torch = opt
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


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum (``torch.optim.SGD``).

    Plain: ``w <- w - lr g``. Momentum ``mu``: ``v <- mu v + g``, ``w <- w - lr v``
    (Keras' ``v <- mu v - lr g; w <- w + v`` is the same for a constant lr). Nesterov:
    ``w <- w - lr (g + mu v)``. ``weight_decay`` adds ``wd * w`` to ``g`` (L2).
    """

    torch_class = torch.optim.SGD

    def __init__(self, learning_rate: float | Callable = 0.01, momentum: float = 0.0,
                 nesterov: bool = False, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, name: str = "SGD"):
        super().__init__(learning_rate, clipnorm, clipvalue, global_clipnorm, name)
        _unit(name, "momentum", momentum)
        if nesterov and momentum <= 0:
            raise ValueError(f"{name}: nesterov=True needs momentum > 0, got momentum={momentum}")
        if weight_decay is not None:
            _positive(name, "weight_decay", weight_decay, allow_zero=True)
        self.momentum, self.nesterov, self.weight_decay = momentum, nesterov, weight_decay

    def _torch_kwargs(self) -> dict:
        return {"lr": self.learning_rate, "momentum": self.momentum,
                "nesterov": self.nesterov, "weight_decay": self.weight_decay or 0.0}


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) via ``torch.optim.Adam``.

    ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g^2``; bias correction
    ``m_hat = m / (1 - b1^t)``, ``v_hat = v / (1 - b2^t)``;
    ``w <- w - lr m_hat / (sqrt(v_hat) + eps)``. (Keras adds ``eps`` before the
    ``sqrt(1 - b2^t)`` correction; the difference is of order ``eps``.) ``amsgrad`` keeps
    ``max(v_hat)``. ``weight_decay`` is L2 added to ``g``; for decoupled decay use AdamW.
    """

    torch_class = torch.optim.Adam

    def __init__(self, learning_rate: float | Callable = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False,
                 weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 name: str = "Adam"):
        super().__init__(learning_rate, clipnorm, clipvalue, global_clipnorm, name)
        _unit(name, "beta_1", beta_1)
        _unit(name, "beta_2", beta_2)
        _positive(name, "epsilon", epsilon, allow_zero=True)
        if weight_decay is not None:
            _positive(name, "weight_decay", weight_decay, allow_zero=True)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.amsgrad, self.weight_decay = amsgrad, weight_decay

    def _torch_kwargs(self) -> dict:
        return {"lr": self.learning_rate, "betas": (self.beta_1, self.beta_2),
                "eps": self.epsilon, "amsgrad": self.amsgrad,
                "weight_decay": self.weight_decay or 0.0}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019), ``torch.optim.AdamW``.

    ``w <- w - lr wd w`` then the Adam step; Keras' default ``weight_decay=0.004``.
    """

    torch_class = torch.optim.AdamW

    def __init__(self, learning_rate: float | Callable = 0.001,
                 weight_decay: float = 0.004, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 name: str = "AdamW"):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay,
                         clipnorm, clipvalue, global_clipnorm, name)


class RMSprop(Optimizer):
    """RMSprop (Hinton, lecture 6e) via ``torch.optim.RMSprop`` (Keras ``rho`` = torch ``alpha``).

    ``v <- rho v + (1 - rho) g^2``, ``w <- w - lr g / (sqrt(v) + eps)`` (Keras puts eps
    inside the sqrt); ``centered`` subtracts the squared running mean of ``g`` from ``v``;
    ``momentum`` accumulates the update ``b <- mu b + g / (sqrt(v) + eps)``.
    """

    torch_class = torch.optim.RMSprop

    def __init__(self, learning_rate: float | Callable = 0.001, rho: float = 0.9,
                 momentum: float = 0.0, epsilon: float = 1e-7, centered: bool = False,
                 weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 name: str = "RMSprop"):
        super().__init__(learning_rate, clipnorm, clipvalue, global_clipnorm, name)
        _unit(name, "rho", rho)
        _unit(name, "momentum", momentum)
        _positive(name, "epsilon", epsilon, allow_zero=True)
        if weight_decay is not None:
            _positive(name, "weight_decay", weight_decay, allow_zero=True)
        self.rho, self.momentum, self.epsilon = rho, momentum, epsilon
        self.centered, self.weight_decay = centered, weight_decay

    def _torch_kwargs(self) -> dict:
        return {"lr": self.learning_rate, "alpha": self.rho, "eps": self.epsilon,
                "momentum": self.momentum, "centered": self.centered,
                "weight_decay": self.weight_decay or 0.0}


class Adagrad(Optimizer):
    """Adagrad (Duchi et al. 2011) via ``torch.optim.Adagrad``.

    ``G <- G + g^2`` (starting at ``initial_accumulator_value``),
    ``w <- w - lr g / (sqrt(G) + eps)``.
    """

    torch_class = torch.optim.Adagrad

    def __init__(self, learning_rate: float | Callable = 0.001,
                 initial_accumulator_value: float = 0.1, epsilon: float = 1e-7,
                 weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 name: str = "Adagrad"):
        super().__init__(learning_rate, clipnorm, clipvalue, global_clipnorm, name)
        _positive(name, "initial_accumulator_value", initial_accumulator_value, allow_zero=True)
        _positive(name, "epsilon", epsilon, allow_zero=True)
        if weight_decay is not None:
            _positive(name, "weight_decay", weight_decay, allow_zero=True)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon
        self.weight_decay = weight_decay

    def _torch_kwargs(self) -> dict:
        return {"lr": self.learning_rate, "eps": self.epsilon,
                "weight_decay": self.weight_decay or 0.0,
                "initial_accumulator_value": self.initial_accumulator_value}


class LBFGS(Optimizer):
    """Limited-memory BFGS via ``torch.optim.LBFGS``; ``step(closure)`` (``needs_closure``).

    Keeps the last ``history_size`` pairs ``(s, y) = (dw, dg)`` and applies the two-loop
    recursion ``d = -H g`` for an implicit inverse-Hessian estimate ``H``; each ``step``
    runs up to ``max_iter`` iterations, with a strong-Wolfe line search by default.
    Full-batch only: the closure must recompute the loss on the same data.
    """

    torch_class = torch.optim.LBFGS
    needs_closure = True

    def __init__(self, learning_rate: float | Callable = 1.0, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = "strong_wolfe", name: str = "LBFGS"):
        super().__init__(learning_rate, name=name)
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"{name}: line_search_fn must be None or 'strong_wolfe', "
                             f"got {line_search_fn!r}")
        for k, v in (("max_iter", max_iter), ("history_size", history_size)):
            if not (isinstance(v, int) and v >= 1):
                raise ValueError(f"{name}: {k} must be an integer >= 1, got {v!r}")
        self.max_iter, self.max_eval, self.history_size = max_iter, max_eval, history_size
        self.tolerance_grad, self.tolerance_change = tolerance_grad, tolerance_change
        self.line_search_fn = line_search_fn

    def _torch_kwargs(self) -> dict:
        return {"lr": self.learning_rate, "max_iter": self.max_iter,
                "max_eval": self.max_eval, "tolerance_grad": self.tolerance_grad,
                "tolerance_change": self.tolerance_change, "history_size": self.history_size,
                "line_search_fn": self.line_search_fn}


OPTIMIZERS.add("sgd")(SGD)
OPTIMIZERS.add("momentum")(functools.partial(SGD, momentum=0.9))
OPTIMIZERS.add("nesterov")(functools.partial(SGD, momentum=0.9, nesterov=True))
OPTIMIZERS.add("adagrad")(Adagrad)
OPTIMIZERS.add("rmsprop")(RMSprop)
OPTIMIZERS.add("adam")(Adam)
OPTIMIZERS.add("adamw")(AdamW)
OPTIMIZERS.add("lbfgs")(LBFGS)
from .adadelta import Adadelta  # noqa: E402  (subclasses Optimizer above)
OPTIMIZERS.add("adadelta")(Adadelta)


class TorchOptimizer(Optimizer):
    """A torch optimizer (built, or a class) behind the spec API (``apply``, state).

    A built optimizer keeps its own parameters: ``build(params)`` returns it unchanged.
    """

    def __init__(self, optimizer: torch.optim.Optimizer | type, **kwargs: Any):
        built = isinstance(optimizer, torch.optim.Optimizer)
        cls = type(optimizer) if built else optimizer
        self._kwargs = kwargs
        self.torch_class = cls
        lr = optimizer.param_groups[0].get("lr", 1.0) if built else kwargs.get("lr", 1e-3)
        self.needs_closure = issubclass(cls, torch.optim.LBFGS)
        super().__init__(float(lr), name=cls.__name__)
        self._given = optimizer if built else None
        self._torch = self._given

    def _torch_kwargs(self) -> dict:
        return dict(self._kwargs)

    def build(self, params: Params) -> torch.optim.Optimizer:
        if self._given is not None:
            return self._given  # a built optimizer handed to compile() keeps its params
        return super().build(params)


def as_spec(identifier: Any) -> Optimizer | None:
    """The spec object for ``identifier`` (as :func:`get` accepts; ``None`` stays ``None``).

    ``model.optimizer`` is this object, so a custom ``train_step`` can call
    ``self.optimizer.apply(grads, variables)``.
    """
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return _make_spec(OPTIMIZERS.get(identifier), {}, identifier)
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    if isinstance(identifier, torch.optim.Optimizer) or (
            isinstance(identifier, type) and issubclass(identifier, torch.optim.Optimizer)):
        return TorchOptimizer(identifier)
    raise TypeError(f"optimizer must be a name, an nnlab optimizer spec or a torch optimizer; "
                    f"got {type(identifier).__name__}: {identifier!r}")


def _make_spec(factory: Callable, overrides: dict, label: str) -> Optimizer:
    if "lr" in overrides:  # Keras 2 / torch spelling
        overrides = dict(overrides)
        overrides["learning_rate"] = overrides.pop("lr")
    cls = factory.func if isinstance(factory, functools.partial) else factory
    known = [k for k in inspect.signature(cls.__init__).parameters if k != "self"]
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise ValueError(f"optimizer {label!r}: unknown hyper-parameter(s) {unknown}; "
                         f"{cls.__name__} accepts {known}")
    return factory(**overrides)


def get(identifier: str | Optimizer | torch.optim.Optimizer | type, params: Params,
        **overrides: Any) -> torch.optim.Optimizer:
    """Resolve ``identifier`` to a ``torch.optim.Optimizer`` over ``params``.

    ``identifier``: a name in :data:`OPTIMIZERS` (``"sgd"``, ``"momentum"``, ``"nesterov"``,
    ``"adagrad"``, ``"rmsprop"``, ``"adam"``, ``"adamw"``, ``"lbfgs"``), a spec such as
    ``Adam(1e-3)``, a spec class, a torch optimizer class (``torch.optim.SGD``; overrides use
    torch names), or a built torch optimizer (returned as is; ``params`` is then ignored).
    ``overrides`` are Keras-named hyper-parameters (``learning_rate=`` or ``lr=``, ...).
    """
    if isinstance(identifier, torch.optim.Optimizer):
        if overrides:
            raise ValueError(f"optimizer: cannot apply {sorted(overrides)} to an already built "
                             f"{type(identifier).__name__}; pass a name or a spec instead.")
        return identifier
    if isinstance(identifier, str):
        return _make_spec(OPTIMIZERS.get(identifier), dict(overrides), identifier).build(params)
    if isinstance(identifier, Optimizer):
        if overrides:
            config = {**identifier.get_config(), "learning_rate": identifier._lr_arg}
            identifier = _make_spec(type(identifier), {**config, **overrides}, identifier.name)
        return identifier.build(params)
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return _make_spec(identifier, dict(overrides), identifier.__name__).build(params)
    if isinstance(identifier, type) and issubclass(identifier, torch.optim.Optimizer):
        if isinstance(params, torch.nn.Module):
            params = params.parameters()
        return identifier(params, **overrides)
    raise TypeError(f"optimizer must be a name, an nnlab optimizer spec or a torch optimizer; "
                    f"got {type(identifier).__name__}: {identifier!r}")
