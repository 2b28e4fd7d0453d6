"""``CallbackList``: dispatches each fit/evaluate event to the callbacks that override it."""
from __future__ import annotations

from typing import Any, Dict, Iterable

from .callback import EVENTS, Callback
from .lambda_callback import LambdaCallback


def _overrides(cb: Callback, event: str) -> bool:
    if isinstance(cb, LambdaCallback):
        return event in cb._handled
    return getattr(type(cb), event) is not getattr(Callback, event)


class CallbackList:
    """Dispatches each event only to the callbacks that override it."""

    def __init__(self, callbacks: Iterable[Callback], model, params: Dict[str, Any]):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be nnlab.callbacks.Callback "
                                f"instances, got {type(cb).__name__}")
            cb.set_model(model)
            cb.set_params(params)
        self._by_event = {e: [cb for cb in self.callbacks if _overrides(cb, e)] for e in EVENTS}

    def wants(self, event: str) -> bool:
        return bool(self._by_event[event])

    def call(self, event: str, *args: Any) -> None:
        for cb in self._by_event[event]:
            getattr(cb, event)(*args)

    def transform_train_batch(self, x: Any, y: Any):
        for cb in self._by_event["transform_train_batch"]:
            x, y = cb.transform_train_batch(x, y)
        return x, y
