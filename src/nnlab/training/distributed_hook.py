"""The door through which a data-parallel package plugs into ``fit(distributed=True)``.

The training floor stands below :mod:`nnlab.distributed` and never imports it. Instead
``nnlab.distributed`` registers its preparer here when it is imported (``import nnlab``
imports it): a function ``prepare(trainer, args) -> args`` that checks and shards one
rank's :class:`~nnlab.training.fit_arguments.FitArguments` and adds the callback that
wraps the training forward (:meth:`Trainer.set_train_forward
<nnlab.training.trainer.Trainer.set_train_forward>`). ``fit`` looks the preparer up
when ``distributed=True``.
"""
from __future__ import annotations

from typing import Any, Callable, Dict

from .fit_arguments import FitArguments

#: ``prepare(trainer, args) -> args`` for one rank of a data-parallel fit
Preparer = Callable[[Any, FitArguments], FitArguments]

_REGISTERED: Dict[str, Preparer] = {}


def register_distributed_fit(prepare: Preparer) -> Preparer:
    """Make ``prepare`` the preparer of ``fit(distributed=True)`` (usable as a
    decorator; a later registration replaces an earlier one)."""
    _REGISTERED["prepare"] = prepare
    return prepare


def distributed_fit_preparer() -> Preparer:
    """The registered preparer; a RuntimeError says what to import when there is none."""
    try:
        return _REGISTERED["prepare"]
    except KeyError:
        raise RuntimeError("fit(distributed=True) needs nnlab.distributed, which is not "
                           "loaded: `import nnlab.distributed` (or `import nnlab`) "
                           "first") from None
