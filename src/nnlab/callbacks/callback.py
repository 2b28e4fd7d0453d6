"""Callbacks: a closed, documented list of events the fit loop calls (Keras' API).

Events, in order: ``on_train_begin(logs)``, then per epoch ``on_epoch_begin(epoch,
logs)``, per batch ``on_train_batch_begin(batch, logs)`` / ``on_train_batch_end(batch,
logs)``, then ``on_epoch_end(epoch, logs)`` (``logs`` holds ``loss``, the metrics and
their ``val_`` versions), and ``on_train_end(logs)``. ``transform_train_batch(x, y)`` is
called on each training batch (after ``augment``, before the forward pass) and returns
the ``(x, y)`` to train on, e.g. adversarial examples (``nnlab.adversarial``). ``evaluate`` calls
``on_test_begin``/``on_test_end``. A callback sees the model as ``self.model`` and can
stop training with ``self.model.stop_training = True``.

Batch ``logs`` are computed (a host-device sync) only for callbacks that override a
batch event; the built-in ones do not, so they cost nothing per step.
"""
from __future__ import annotations

from typing import Any, Dict

EVENTS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
          "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
          "transform_train_batch")


class Callback:
    """Base class: override any event in :data:`EVENTS`."""

    def __init__(self):
        self.model = None
        self.params: Dict[str, Any] = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: Dict[str, Any]) -> None:
        self.params = params

    def on_train_begin(self, logs=None): pass  # noqa: E704
    def on_train_end(self, logs=None): pass  # noqa: E704
    def on_epoch_begin(self, epoch, logs=None): pass  # noqa: E704
    def on_epoch_end(self, epoch, logs=None): pass  # noqa: E704
    def on_train_batch_begin(self, batch, logs=None): pass  # noqa: E704
    def on_train_batch_end(self, batch, logs=None): pass  # noqa: E704
    def on_test_begin(self, logs=None): pass  # noqa: E704
    def on_test_end(self, logs=None): pass  # noqa: E704

    def transform_train_batch(self, x, y):
        """Return the ``(x, y)`` batch to train on instead of ``(x, y)`` (default: as is)."""
        return x, y
