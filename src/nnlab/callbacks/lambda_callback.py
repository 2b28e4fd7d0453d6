"""``LambdaCallback``: a callback made of plain functions, one per event."""
from __future__ import annotations

from typing import Callable

from .callback import EVENTS, Callback


class LambdaCallback(Callback):
    """Callback from plain functions: ``LambdaCallback(on_epoch_end=lambda e, logs: ...)``."""

    def __init__(self, **handlers: Callable):
        super().__init__()
        unknown = set(handlers) - set(EVENTS)
        if unknown:
            raise ValueError(f"LambdaCallback: unknown events {sorted(unknown)}; known: {EVENTS}")
        for event, fn in handlers.items():
            setattr(self, event, fn)
        self._handled = set(handlers)
