"""Keras 2's optimizer arguments (``lr=``, ``decay=``), accepted with one warning each."""
from __future__ import annotations

import functools
import inspect

from .._deprecation import warn_once
from ..schedules.decay import InverseTimeDecay


def keras2_optimizer_arguments(init):
    """Wrap an optimizer's ``__init__`` so Keras 2's ``lr=`` and ``decay=`` still work.

    ``lr=x`` -> ``learning_rate=x``; ``decay=d`` (Keras 2: ``lr_t = lr / (1 + d * t)``) ->
    ``learning_rate=InverseTimeDecay(lr, decay_steps=1, decay_rate=d)``, the same schedule.
    Each warns once, naming the Keras 3 form.
    """
    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        owner = type(self).__name__
        if "lr" in kwargs:
            if "learning_rate" in kwargs or args:
                raise TypeError(f"{owner}: give learning_rate or Keras 2's lr, not both")
            warn_once(f"{owner}.lr", f"{owner}(lr=...) is Keras 2's spelling; Keras 3 calls it "
                      f"{owner}(learning_rate=...)")
            kwargs["learning_rate"] = kwargs.pop("lr")
        decay = kwargs.pop("decay", None)
        if decay:
            warn_once(f"{owner}.decay", f"{owner}(decay=...) is Keras 2's spelling; Keras 3 "
                      f"uses learning_rate=keras.optimizers.schedules.InverseTimeDecay("
                      f"lr, decay_steps=1, decay_rate=decay)")
            lr = args[0] if args else kwargs.get("learning_rate", None)
            if lr is None:
                lr = inspect.signature(init).parameters["learning_rate"].default
            schedule = InverseTimeDecay(float(lr), decay_steps=1, decay_rate=float(decay))
            if args:
                args = (schedule,) + tuple(args[1:])
            else:
                kwargs["learning_rate"] = schedule
        return init(self, *args, **kwargs)

    wrapper._keras2_wrapped = True
    return wrapper
