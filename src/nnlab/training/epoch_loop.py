"""The one epoch loop of ``fit``, for the built-in step and a model's own ``train_step``.

``Trainer.fit`` settles its arguments into a :class:`FitRun` (:func:`new_run`) and hands
it to :func:`run_fit` together with a :class:`TrainStep`: the fused fast path
(:class:`nnlab.training.trainer.BuiltinStep`) or the model's own ``train_step``
(:class:`nnlab.training.custom_step.ModelStep`). The two differ only in how one batch is
trained, what the epoch's logs are, how validation runs and what the checkpoint holds as
optimizer state; everything else is decided here, once, for both:

- **callback order** (Keras 3's): the user's callbacks in their order, then
  ``TerminateOnNaN`` (added when ``terminate_on_nan=True`` and the user gave none), then
  :class:`~nnlab.callbacks.history.History` last, so History records the logs as the
  callbacks left them (e.g. an averaged or an added ``learning_rate`` entry);
- **events**: ``on_train_begin``; per epoch ``on_epoch_begin(epoch)``, per batch
  ``on_train_batch_begin(batch)`` / ``on_train_batch_end(batch, logs)`` (batch logs are
  read only when a callback overrides a batch event), ``on_epoch_end(epoch, logs)``;
  ``on_train_end``. ``model.history`` is the run's History from the start;
- **progress display** (:mod:`nnlab.training.progress`): refreshed at most every 0.2 s;
- **NaN guard**: the ``TerminateOnNaN`` callback reads the epoch tracker at each display
  refresh and at every epoch end; when a loss is NaN/inf it stops training (restoring
  the last finite weights), and that epoch ends without ``on_epoch_end``;
- **validation** at each epoch end, as ``val_``-prefixed logs;
- **checkpoint/resume** (``checkpoint_dir``): the folder is locked for the run, the
  checkpoint restored before ``on_train_begin`` and the callbacks' state right after it,
  and a checkpoint written after every ``on_epoch_end``; with ``checkpoint_every=N``
  also a mid-epoch one after every N-th step of an epoch (steps N, 2N, ... counted from
  the epoch's start; the one format of :mod:`.preemption`). Without it the check costs
  one integer compare per step.

Per training step the loop itself costs two Python calls besides the step: the
tracker's ``add`` and the display's ``due``.
"""
from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Any, Callable, ContextManager, Dict, List, Optional, Tuple

import torch

from ..callbacks import CallbackList, TerminateOnNaN
from .checkpoint import CheckpointState
from .fit_arguments import FitArguments
from .fit_thread import fitting
from ..callbacks import History
from .data_adapter import private_input
from .preemption import Preemption
from .progress import Progress
from .run_fingerprint import fingerprint
from ..tree import first_leaf


class TrainStep:
    """How one batch is trained: the only part of ``fit`` that differs between the
    built-in step and a model's own ``train_step`` (subclasses fill it in).

    ``train(x, y, sample_weight, state) -> value`` is an attribute (a bound method, so
    the loop calls it directly): one optimizer step on one batch, whose ``value`` the
    loop adds to the epoch's tracker with the batch size.
    """

    train: Callable[[Any, Any, Any, Any], Any]

    def prepare(self, data: Any, val: Any) -> None:
        """Checks and set-up before the first epoch (may raise; nothing trained yet)."""

    def new_epoch(self) -> Tuple[Any, Any]:
        """``(tracker, state)`` for an epoch: a tracker of :mod:`.loss_tracker` and the
        per-epoch state ``train`` updates (e.g. the compiled metrics)."""
        raise NotImplementedError

    def logs(self, tracker: Any, state: Any) -> Dict[str, Any]:
        """The logs so far in the epoch (``loss``, metrics) as Python numbers."""
        raise NotImplementedError

    def check_first_batch(self, x: Any, y: Any, sample_weight: Any) -> None:
        """Called once before the first optimizer step: mistakes raise here."""

    def evaluate(self, data: Any, batch_size: int) -> Dict[str, Any]:
        """Validation logs over ``data`` (without the ``val_`` prefix)."""
        raise NotImplementedError

    def labels_checked(self, data: Any, val: Any) -> ContextManager:
        """A context the epochs run in (e.g. labels validated once, not per step)."""
        return contextlib.nullcontext()

    def optimizers(self) -> List[Any]:
        """The torch optimizers of the run, for the checkpoint's run fingerprint."""
        raise NotImplementedError

    def checkpoint_view(self) -> Any:
        """What :class:`~.checkpoint.CheckpointState` saves and restores: an object with
        ``model``, ``optimizer`` or ``optimizers`` and ``iterations``."""
        raise NotImplementedError

    def restored(self, view: Any) -> None:
        """Called after the checkpoint was restored into ``view``."""

    def epoch_metrics(self, state: Any) -> List[Any]:
        """The metric objects whose running sums an epoch's ``state`` holds (saved in a
        mid-epoch checkpoint, :mod:`.preemption`)."""
        return []


@dataclass
class FitRun:
    """One ``fit``'s settled arguments and the objects its epoch loop drives."""

    model: Any
    data: Any                      # training batches (an adapter of .data_adapter)
    val: Any                       # validation batches, or None
    epochs: int
    initial_epoch: int
    batch_size: int
    validation_batch_size: int
    shuffle: bool
    augment: Optional[Callable[[Any], Any]]
    callbacks: CallbackList        # user's, TerminateOnNaN, History (in this order)
    history: History
    guard: Optional[TerminateOnNaN]
    progress: Progress
    ckpt: Optional[CheckpointState]
    preempt: Optional[Preemption] = None  # SIGTERM/SIGINT save mid-epoch (checkpoint_dir)
    checkpoint_every: Optional[int] = None  # also save mid-epoch every N steps


def new_run(model: Any, args: FitArguments, data: Any, val: Any) -> FitRun:
    """The :class:`FitRun` of ``args`` (callback order, guard, History, display, resume)."""
    history = History()
    steps = data.num_batches(args.batch_size)
    callbacks = list(args.callbacks or [])
    guard = next((cb for cb in callbacks if isinstance(cb, TerminateOnNaN)), None)
    if guard is None and args.terminate_on_nan:
        guard = TerminateOnNaN()
        callbacks.append(guard)
    cbs = CallbackList(callbacks + [history], model,  # Keras 3: History last
                       {"epochs": args.epochs, "steps": steps, "verbose": args.verbose})
    ckpt = CheckpointState(args.checkpoint_dir, args.checkpoint_mismatch) \
        if args.checkpoint_dir else None
    if args.preemption is not None:  # a distributed fit's (every rank, writer or not)
        preempt = args.preemption(ckpt)
    else:
        preempt = Preemption(ckpt) if ckpt is not None and not args.distributed else None
    return FitRun(model=model, data=data, val=val, epochs=args.epochs,
                  initial_epoch=args.initial_epoch, batch_size=args.batch_size,
                  validation_batch_size=args.val_batch_size, shuffle=args.shuffle,
                  augment=args.augment, callbacks=cbs, history=history, guard=guard,
                  progress=Progress(args.verbose, args.epochs, steps), ckpt=ckpt,
                  preempt=preempt, checkpoint_every=args.checkpoint_every)


def run_fit(run: FitRun, step: TrainStep) -> History:
    """Train ``run`` with ``step``; returns its History (also ``model.history``)."""
    with fitting(run.model):  # inference from another thread is refused meanwhile
        return _run_fit(run, step)


def _run_fit(run: FitRun, step: TrainStep) -> History:
    model, cbs, ckpt = run.model, run.callbacks, run.ckpt
    was_training = model.training
    with ckpt if ckpt is not None else contextlib.nullcontext():
        initial_epoch = run.initial_epoch
        if ckpt is not None:
            view = step.checkpoint_view()
            this_run = fingerprint(model, step.optimizers(), run.data, run.batch_size)
            initial_epoch = max(initial_epoch,
                                ckpt.restore(view, run.history, this_run, run.epochs))
            step.restored(view)
            ckpt.restore_data(run.data)
        model.stop_training = False
        model.history = run.history
        cbs.call("on_train_begin", {})
        if ckpt is not None:
            ckpt.restore_callbacks(cbs.callbacks)
        if run.preempt is not None:  # a distributed fit's other ranks: rank 0's states
            run.preempt.restore_callbacks(cbs.callbacks)
        try:
            with step.labels_checked(run.data, run.val), \
                    run.preempt if run.preempt is not None else contextlib.nullcontext():
                _epochs(run, step, initial_epoch)
        finally:
            model.train(was_training)  # direct calls after fit run inference again
        cbs.call("on_train_end", {})
    return run.history


def _epochs(run: FitRun, step: TrainStep, initial_epoch: int) -> None:
    """The epochs of :func:`run_fit` (see the module docstring for what happens when)."""
    model, data, cbs, progress, guard = run.model, run.data, run.callbacks, run.progress, \
        run.guard
    train, batch_size, shuffle = step.train, run.batch_size, run.shuffle
    augment = None if run.augment is None else private_input(run.augment)
    batch_logs = cbs.wants("on_train_batch_end") or cbs.wants("on_train_batch_begin")
    transform = cbs.wants("transform_train_batch")
    first = True
    preempt = run.preempt
    signalled = preempt.flag if preempt is not None else [0]  # read once per step
    every = run.checkpoint_every if preempt is not None else None
    for epoch in range(initial_epoch, run.epochs):
        cbs.call("on_epoch_begin", epoch, {})
        model.train()
        tracker, state = step.new_epoch()
        progress.epoch_begin(epoch)
        batches, n = (data.batches(batch_size, shuffle), 0) if preempt is None else \
            preempt.epoch_batches(epoch, data, batch_size, shuffle, step, tracker, state)
        save_at = -1 if every is None else (n // every + 1) * every  # checkpoint_every
        for n, (xb, yb, wb) in enumerate(batches, start=n + 1):
            if augment is not None:
                xb = augment(xb)
            if first:  # before the first optimizer step (mistakes raise here)
                step.check_first_batch(xb, yb, wb)
                first = False
            if transform:
                xb, yb = cbs.transform_train_batch(xb, yb)
            if batch_logs:
                cbs.call("on_train_batch_begin", n - 1, {})
            tracker.add(train(xb, yb, wb, state),
                        xb.shape[0] if type(xb) is torch.Tensor else len(first_leaf(xb)))
            now = time.perf_counter()
            if batch_logs:
                cbs.call("on_train_batch_end", n - 1, step.logs(tracker, state))
            if progress.due(now):
                if guard is not None:
                    guard.check(tracker, epoch, n)
                progress.update(n, tracker.samples, lambda: step.logs(tracker, state), now)
            if n == save_at:  # checkpoint_every: a mid-epoch checkpoint (never NaN weights)
                save_at += every
                if not model.stop_training and (guard is None
                                                or not guard.check(tracker, epoch, n)):
                    preempt.save_mid_epoch(step.checkpoint_view(), epoch, n, run, step,
                                           tracker, state)
            if model.stop_training or signalled[0]:
                break
        if signalled[0]:  # SIGTERM/SIGINT: save mid-epoch and end the fit
            preempt.stop_mid_epoch(step.checkpoint_view(), epoch, n, run, step, tracker, state)
        if guard is not None and guard.check(tracker, epoch, n):
            progress.epoch_end(epoch, n, tracker.samples, {})
            break
        logs = step.logs(tracker, state)
        if run.val is not None:
            val_logs = step.evaluate(run.val, run.validation_batch_size)
            logs.update({f"val_{k}": v for k, v in val_logs.items()})
        progress.epoch_end(epoch, n, tracker.samples, logs)
        cbs.call("on_epoch_end", epoch, logs)
        if preempt is not None:
            preempt.save_epoch_end(step.checkpoint_view(), epoch, run)
            if preempt.stop_requested():  # the signal came during validation/the epoch end
                preempt.stop_after_epoch(epoch, run)
        elif run.ckpt is not None:
            run.ckpt.save(step.checkpoint_view(), epoch, run.history, cbs.callbacks, data)
        if model.stop_training:
            break
