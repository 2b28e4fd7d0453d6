"""Inference half of the trainer: ``evaluate``, ``predict`` and ``test_on_batch``.

They run the model in inference mode (``model.eval()``, ``torch.inference_mode()``),
keep loss and metric sums on the device, and restore the model's mode afterwards.
"""
from __future__ import annotations

import contextlib
from typing import Any, Dict, Iterator, List, Optional

import torch

from ..layers.base.fast_call import call_layer, direct_call
from ..tree import first_leaf
from ..utils.allocator import reuse_large_blocks
from ..callbacks import CallbackList
from ..models.training_methods import TrainingMethods
from .custom_step import overrides
from .data_adapter import ArrayData, adapt
from .fit_thread import check_not_fitting
from .loss_tracker import LossTracker
from .structure import outputs, targets_by_name, trained_targets


@contextlib.contextmanager
def eval_mode(model) -> Iterator[None]:
    """Every module of ``model`` in eval mode inside the block, each module's own mode
    restored after it (a mixed state, e.g. batch norm frozen in training, comes back as
    it was). Only modules in training mode are switched -- usually none, as layers start
    in eval mode and ``fit`` restores it -- so a model already in eval mode costs one walk
    over its modules instead of two ``train()`` recursions (0.1-0.5 ms per call on the
    zoo's models, which batch-1 latency pays on every ``predict``)."""
    training = training_modules(model)
    for m in training:
        m.training = False
    try:
        yield
    finally:
        for m in training:
            m.training = True


def training_modules(model) -> List[torch.nn.Module]:
    """The modules of ``model`` (itself included) in training mode.

    Written as one loop over ``_modules`` instead of ``model.modules()``, whose recursive
    generators cost one Python frame per module on every call (49 frames for LeNet-5,
    hundreds for the zoo's deeper nets); same modules, each once."""
    found: List[torch.nn.Module] = []
    seen = set()
    stack = [model]
    while stack:
        m = stack.pop()
        if m is None or id(m) in seen:  # an empty slot (``self.short = None``), or shared
            continue
        seen.add(id(m))
        if m.training:
            found.append(m)
        stack.extend(m._modules.values())
    return found


class InferenceMixin:
    """Methods of :class:`~nnlab.training.trainer.Trainer` that do not train."""

    def _infer(self, xb):
        """The model on one batch (its forward without wrapper frames when unobserved)."""
        return call_layer(self.model, xb) if type(xb) is torch.Tensor else self.model(xb)

    def order_targets(self, y: Any, what: str = "y") -> Any:
        """``y`` in output order; a dict of targets matched by output name (Keras' rule:
        its order does not count, an unknown name is refused)."""
        untrained = [i for i, loss in enumerate(self.losses) if loss is None]
        if not isinstance(y, dict):
            if untrained and isinstance(y, (list, tuple)) and len(y) == len(self.losses) \
                    and any(t is None for t in y):  # Keras' fit(x, [y, None])
                return trained_targets(list(y), self.losses, self.output_names, what)
            return y
        struct = getattr(self.model, "_output_struct", None)
        keys = list(struct) if isinstance(struct, dict) else []
        aliases = [[layer] + keys[i:i + 1] for i, layer in
                   enumerate(self.output_layer_names())]
        ordered = targets_by_name(y, self.output_names, aliases, what, optional=untrained)
        if isinstance(ordered, list) and any(t is None for t in ordered):
            return trained_targets(ordered, self.losses, self.output_names, what)
        return ordered

    def _evaluate_data(self, data, batch_size: int) -> Dict[str, float]:
        metrics = self._new_metrics()
        tracker = LossTracker()
        fused = False
        with eval_mode(self.model):
            with torch.inference_mode():
                for xb, yb, wb in data.batches(batch_size):
                    with self._autocast():
                        y_pred = self._infer(xb)
                        if yb is not None and any(loss is not None for loss in self.losses):
                            tracker.add(self._loss(yb, y_pred, wb, fused), len(first_leaf(xb)))
                    if yb is not None:
                        self._update_metrics(metrics, yb, y_pred, fused)
        return self._logs(tracker, metrics)

    def evaluate(self, x: Any = None, y: Any = None, batch_size: Optional[int] = None,
                 verbose: int = 1, sample_weight: Any = None, steps: Optional[int] = None,
                 return_dict: bool = False, callbacks: Optional[list] = None):
        """Loss and metrics on ``x``/``y`` in inference mode: a float, or
        ``[loss, metric1, ...]`` (Keras' order), or a dict with ``return_dict=True``."""
        check_not_fitting(self.model, "evaluate")
        batch_size = 32 if batch_size is None else batch_size
        data = adapt(x, self.order_targets(y), sample_weight, batch_size, False, steps)
        with reuse_large_blocks(self.model):  # CPU: activations above 32 MiB reused too
            logs = self._evaluate_logs(data, batch_size, callbacks, verbose)
        return self._report(logs, verbose, return_dict)

    def _evaluate_logs(self, data, batch_size: int, callbacks, verbose: int) -> Dict[str, Any]:
        """``evaluate``'s logs, from the model's own ``test_step`` or the built-in loss and
        metrics, between the callbacks' ``on_test_begin`` and ``on_test_end``."""
        cbs = CallbackList(list(callbacks or []), self.model, {"verbose": verbose})
        if overrides(self.model):  # the model's own test_step (custom_step.py)
            cbs.call("on_test_begin", {})
            logs = self._evaluate_custom(data, batch_size)
        else:
            self._regularized = any(getattr(m, "_regularized", None)
                                    for m in self.model.modules())
            self._fused = []
            self._check_targets(data, self._probe(data))
            cbs.call("on_test_begin", {})
            logs = self._evaluate_data(data, batch_size)
        cbs.call("on_test_end", logs)
        return logs

    @staticmethod
    def _report(logs: Dict[str, Any], verbose: int, return_dict: bool):
        if verbose:
            from .progress import format_logs
            print(format_logs(logs), flush=True)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x: Any, batch_size: Optional[int] = None, verbose: int = 0,
                steps: Optional[int] = None):
        """Model outputs in inference mode, as numpy arrays (a list for several outputs).

        Everything that can be decided once is decided once per call, not per batch: the
        input is adapted and checked (:func:`.data_adapter.adapt`), modules switched to
        eval mode, and the way to call the model chosen (:func:`direct_call`); per batch
        only a slice of the input and the model's forward run, and the outputs are
        concatenated and converted once at the end. Per batch that is less than a hand
        loop's ``model(x[i:i + b])`` (no ``__call__`` wrapper frames, no per-batch cast)."""
        check_not_fitting(self.model, "predict")
        _check_batch_axis(self.model, x)
        data = adapt(x, None, None, batch_size or 32, False, steps)
        if isinstance(data, ArrayData) and batch_size is None and data.n <= 32:
            batch_size = data.n
        with reuse_large_blocks(self.model):  # CPU: activations above 32 MiB reused too
            return self._predict_data(data, batch_size or 32)

    def _predict_data(self, data, batch_size: int):
        """``predict`` on adapted data: the model's own ``predict_step`` or the batches in
        inference mode, as numpy."""
        if type(self.model).predict_step is not TrainingMethods.predict_step:
            return self._predict_custom(data, batch_size)  # the model's own predict_step
        training = training_modules(self.model)  # eval_mode(), without its generator
        for m in training:
            m.training = False
        try:
            with torch.inference_mode():
                if self.precision is None:
                    results = self._predict_batches(data, batch_size)
                else:
                    with self._autocast():
                        results = self._predict_batches(data, batch_size)
        finally:
            for m in training:
                m.training = True
        return _as_numpy(results)

    def _predict_batches(self, data, batch_size: int) -> List[Any]:
        """The model's outputs for every batch of ``data``, in order."""
        if isinstance(data, ArrayData) and type(data.x) is torch.Tensor \
                and data.x.dtype != torch.float64:  # the common case: batches are slices
            forward, xs = direct_call(self.model), data.x
            return [forward(xs[i:i + batch_size]) for i in range(0, data.n, batch_size)]
        return [self._infer(xb) for xb, _, _ in data.batches(batch_size)]

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                      return_dict: bool = False):
        return self.evaluate(x, y, batch_size=len(first_leaf(adapt(x, y).x)), verbose=0,
                             sample_weight=sample_weight, return_dict=return_dict)


def _as_numpy(results: List[Any]) -> Any:
    """The per-batch outputs of ``predict`` concatenated as float32 numpy arrays (a list
    for several outputs): one ``cat`` per output (a copy, as a hand loop's, so the result
    never shares memory with the input), then one cast when the outputs are not float32
    (bf16 autocast, integer outputs)."""
    if type(results[0]) is torch.Tensor:
        parts = [results]
    else:
        parts = list(zip(*[outputs(r) for r in results]))
    outs = []
    for chunks in parts:
        out = torch.cat(chunks)
        outs.append((out if out.dtype == torch.float32 else out.float()).cpu().numpy())
    return outs[0] if len(outs) == 1 else outs


def _check_batch_axis(model, x: Any) -> None:
    """A single sample given without its batch axis gets an error saying how to add it."""
    expected = getattr(model, "_batch_input_shape", None)
    if expected is None:  # (on a Sequential, looking up the absent ``inputs`` raises inside)
        inputs = getattr(model, "inputs", None)
        if isinstance(inputs, list) and len(inputs) == 1:
            expected = inputs[0].shape
    if expected is None or not hasattr(x, "ndim") or not hasattr(x, "shape"):
        return
    if x.ndim == len(expected) - 1 and all(e is None or e == s
                                           for e, s in zip(expected[1:], tuple(x.shape))):
        raise ValueError(f"predict: x has shape {tuple(x.shape)}, one sample of the model's "
                         f"input shape {tuple(expected)} without the batch axis; add a batch "
                         f"axis: x[None] (or np.expand_dims(x, 0)).")
