"""Keras 2's generator methods, kept for lecture code: ``fit_generator``,
``evaluate_generator``, ``predict_generator``. Each warns once and calls ``fit`` /
``evaluate`` / ``predict``, which take generators, Datasets and DataLoaders directly
(Keras 3 removed the ``*_generator`` forms for the same reason)."""
from __future__ import annotations

from typing import Any, Optional

from .._deprecation import warn_once

_DROPPED = ("max_queue_size", "workers", "use_multiprocessing")  # no Keras 3 equivalent


def _clean(kwargs: dict) -> dict:
    return {k: v for k, v in kwargs.items() if k not in _DROPPED}


class Keras2Methods:
    """Mixed into :class:`~nnlab.models.Model`."""

    def fit_generator(self, generator: Any, steps_per_epoch: Optional[int] = None,
                      epochs: int = 1, verbose: int = 1, callbacks: Any = None,
                      validation_data: Any = None, validation_steps: Optional[int] = None,
                      class_weight: Any = None, initial_epoch: int = 0, shuffle: bool = True,
                      **kwargs: Any):
        """Keras 2's ``fit_generator(generator, steps_per_epoch, epochs, ...)`` -> ``fit``."""
        warn_once("fit_generator", "model.fit_generator(gen, ...) is Keras 2's spelling; "
                  "Keras 3 uses model.fit(gen, ...)")
        args = dict(steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                    callbacks=callbacks, validation_data=validation_data,
                    validation_steps=validation_steps, class_weight=class_weight,
                    initial_epoch=initial_epoch, shuffle=shuffle, **_clean(kwargs))
        return self.fit(generator, **{k: v for k, v in args.items() if v is not None})

    def evaluate_generator(self, generator: Any, steps: Optional[int] = None,
                           verbose: int = 0, **kwargs: Any):
        """Keras 2's ``evaluate_generator(generator, steps)`` -> ``evaluate``."""
        warn_once("evaluate_generator", "model.evaluate_generator(gen, ...) is Keras 2's "
                  "spelling; Keras 3 uses model.evaluate(gen, ...)")
        extra = {} if steps is None else {"steps": steps}
        return self.evaluate(generator, verbose=verbose, **extra, **_clean(kwargs))

    def predict_generator(self, generator: Any, steps: Optional[int] = None,
                          verbose: int = 0, **kwargs: Any):
        """Keras 2's ``predict_generator(generator, steps)`` -> ``predict``."""
        warn_once("predict_generator", "model.predict_generator(gen, ...) is Keras 2's "
                  "spelling; Keras 3 uses model.predict(gen, ...)")
        extra = {} if steps is None else {"steps": steps}
        return self.predict(generator, verbose=verbose, **extra, **_clean(kwargs))
