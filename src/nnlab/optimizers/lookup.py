"""Optimizers by name: :func:`get` (a built torch optimizer) and :func:`as_spec` (the spec)."""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import torch

from .optimizer import OPTIMIZERS, Optimizer, Params
from .torch_optimizer import TorchOptimizer


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
