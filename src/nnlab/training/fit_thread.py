"""One thread trains a model at a time, and inference does not read a training model
from another thread.

While ``fit`` runs, the model's state is the trainer's: weights change at every step,
the final softmax/sigmoid is fused into the loss during each forward pass (the output
layer returns logits), and modules are in training mode (dropout on, batch-norm
statistics updating). ``predict``/``evaluate`` from *another* thread would read that
state -- logits instead of probabilities, dropout noise -- and its switch to inference
mode would in turn change the training steps. So they are refused with a clear error
while a fit runs in another thread (the same thread, e.g. a callback, is fine), and a
second concurrent ``fit`` of one model is refused too. The cost is one dictionary look-up
per ``predict``/``evaluate`` call and nothing per training step.
"""
from __future__ import annotations

import contextlib
import threading
import weakref
from typing import Any, Iterator

#: model -> (thread id, thread name) of the fit running now (kept outside the model, so
#: a copy of it, e.g. ``copy.deepcopy`` in a callback, is not "being fit")
_FITTING: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()


def _owner(model: Any) -> Any:
    return _FITTING.get(model)


def _busy(model: Any, what: str) -> RuntimeError:
    owner = _owner(model)
    return RuntimeError(
        f"{what} on model {getattr(model, 'name', '')!r} was called from thread "
        f"{threading.current_thread().name!r} while model.fit runs in another thread "
        f"({owner[1]!r}): during fit the model's weights change at every step and its "
        f"output layer returns logits, so the result would be wrong. Call it from the "
        f"fit's thread (a callback), after fit returns, or on a copy "
        f"(copy.deepcopy(model)) made in a callback.")


@contextlib.contextmanager
def fitting(model: Any) -> Iterator[None]:
    """Mark ``model`` as trained by this thread for the block (re-entrant: a callback
    may fit another model, or this one again, in the same thread)."""
    owner = _owner(model)
    me = threading.get_ident()
    if owner is not None and owner[0] != me:
        raise _busy(model, "fit")
    _FITTING[model] = (me, threading.current_thread().name)
    try:
        yield
    finally:
        if owner is None:
            _FITTING.pop(model, None)
        else:
            _FITTING[model] = owner


def check_not_fitting(model: Any, what: str) -> None:
    """Raise RuntimeError if another thread is fitting ``model`` now."""
    owner = _owner(model)
    if owner is not None and owner[0] != threading.get_ident():
        raise _busy(model, what)
