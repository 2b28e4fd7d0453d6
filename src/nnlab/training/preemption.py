"""Preemption-safe ``fit(..., checkpoint_dir=...)``: SIGTERM / SIGINT save mid-epoch.

What a cluster (SLURM, Kubernetes, spot instances) sends before killing a job, and what
Ctrl-C sends, no longer costs the epoch in progress. While a fit with a
``checkpoint_dir`` runs (in the main thread; a distributed fit's ranks agree first:
:mod:`nnlab.distributed.preemption`), :class:`Preemption` handles both signals: the
handler only sets a flag, which the epoch loop reads once per step (the only per-step
cost). After the current step the loop writes a *mid-epoch*
checkpoint (:class:`~.checkpoint.CheckpointState` with a ``partial`` entry):

- the weights, the optimizer states, the step counter, the callbacks' state, the
  history and the RNG states *now* (as at every epoch end);
- ``partial``: the epoch in progress, the batches of it already trained, the RNG states
  *at the epoch's start* (they decide its shuffle order: the order is drawn again from
  them, never stored), the data's position at the epoch's start (``steps_per_epoch``),
  and the epoch's running sums (the loss tracker, every metric's state).

It prints one line (what was saved, how to resume) on stderr and ends the fit:
SIGTERM raises ``SystemExit(0)`` (the job ends cleanly), SIGINT ``KeyboardInterrupt``
(as Ctrl-C does in a notebook). A signal during validation or the epoch-end callbacks
ends the fit right after the epoch-end checkpoint. A second signal stops at once (the
checkpoint file is still whole: writes are atomic).

The same ``fit`` call again resumes: the epoch restarts from its start's RNG state,
skips the batches already trained (drawing them, not training on them), puts back the
RNG state and the running sums of the moment of the signal, and goes on. The resumed
run ends bit-identical (weights and History) to an uninterrupted one.
"""
from __future__ import annotations

import itertools
import signal
import sys
import threading
from typing import Any, Dict, Iterator, List, Optional, Tuple

import torch

from .checkpoint import CheckpointState, data_state, rng_state, set_rng_state

_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_SAVABLE = (torch.Tensor, int, float, bool, str, type(None))


def object_state(obj: Any, private_only: bool = False) -> Dict[str, Any]:
    """The attributes of ``obj`` a checkpoint can hold (tensors cloned; lists/dicts of
    them kept): a metric's running sums, a loss tracker's per-step losses."""
    out = {}
    for key, value in vars(obj).items():
        if private_only and not key.startswith("_"):
            continue
        if _savable(value):
            out[key] = _copy(value)
    return out


def _savable(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_savable(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _savable(v) for k, v in value.items())
    return isinstance(value, _SAVABLE)


def _copy(value: Any, device: Optional[torch.device] = None) -> Any:
    if isinstance(value, torch.Tensor):
        value = value.detach().clone()
        return value if device is None else value.to(device)
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(v, device) for v in value)
    if isinstance(value, dict):
        return {k: _copy(v, device) for k, v in value.items()}
    return value


def set_object_state(obj: Any, state: Dict[str, Any], device: Optional[torch.device]) -> None:
    for key, value in state.items():
        setattr(obj, key, _copy(value, device))


class Preemption:
    """Signal handling and mid-epoch save/resume of one ``fit`` (see the module
    docstring). ``flag[0]`` is the signal number once one arrived, else 0."""

    def __init__(self, ckpt: Optional[CheckpointState]):
        self.ckpt = ckpt  # None on the ranks of a distributed fit that do not write
        self.flag = [0]
        self._previous: Dict[int, Any] = {}
        self._epoch_start: Dict[str, Any] = {}

    # ------------------------------------------------------------- handlers
    def __enter__(self) -> "Preemption":
        if threading.current_thread() is threading.main_thread():
            for sig in _SIGNALS:
                self._previous[sig] = signal.getsignal(sig)
                signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: Any) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous = {}

    def _handle(self, signum: int, frame: Any) -> None:
        if self.flag[0]:  # a second signal: stop now
            self.__exit__()
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            raise SystemExit(128 + signum)
        self.flag[0] = signum

    # --------------------------------------------------------------- epochs
    def epoch_batches(self, epoch: int, data: Any, batch_size: int, shuffle: bool,
                      step: Any, tracker: Any, state: Any) -> Tuple[Iterator[tuple], int]:
        """``(batches, done)``: the epoch's batches still to train and how many of the
        epoch were trained before (non-zero when resuming the epoch a signal stopped)."""
        partial = self.resume_point(epoch)
        if partial is None:
            self._epoch_start = {"rng": rng_state(), "data": data_state(data)}
            return iter(data.batches(batch_size, shuffle)), 0
        self._epoch_start = {"rng": partial["rng_epoch"], "data": partial.get("data_epoch")}
        done = int(partial["batches"])
        set_rng_state(partial["rng_epoch"])  # the epoch's shuffle is drawn again
        batches = iter(data.batches(batch_size, shuffle))
        skipped = sum(1 for _ in itertools.islice(batches, done))
        if skipped != done:
            raise RuntimeError(f"resuming epoch {epoch + 1}: the checkpoint says {done} "
                               f"batches were trained, the data now has {skipped}")
        set_rng_state(partial["rng_now"])
        device = _device(step)
        set_object_state(tracker, partial["tracker"], device)
        for metric, saved in zip(step.epoch_metrics(state), partial["metrics"]):
            set_object_state(metric, saved, device)
        return batches, done

    def resume_point(self, epoch: int) -> Optional[Dict[str, Any]]:
        """The checkpoint's ``partial`` entry if it stopped inside ``epoch`` (used once:
        later epochs start afresh), else None."""
        partial = self.ckpt.partial
        if partial is None or int(partial["epoch"]) != epoch:
            return None
        self.ckpt.partial = None
        return partial

    def restore_callbacks(self, callbacks: List[Any]) -> None:
        """After ``on_train_begin``: callbacks' states this process did not read from its
        own checkpoint (a distributed fit's other ranks; nothing here)."""

    def stop_mid_epoch(self, view: Any, epoch: int, done: int, run: Any, step: Any,
                       tracker: Any, state: Any) -> None:
        """Write the mid-epoch checkpoint after ``done`` batches of ``epoch``; end the fit."""
        self.save_mid_epoch(view, epoch, done, run, step, tracker, state)
        steps = run.data.num_batches(run.batch_size)
        self._end(f"saved epoch {epoch + 1}/{run.epochs} at step {done}"
                  + (f"/{steps}" if steps else ""))

    def save_mid_epoch(self, view: Any, epoch: int, done: int, run: Any, step: Any,
                       tracker: Any, state: Any) -> None:
        """Write the mid-epoch checkpoint after ``done`` batches of ``epoch`` (on a signal,
        or every ``fit(checkpoint_every=N)`` steps); training goes on unchanged."""
        partial = dict(self.epoch_sums(tracker, step, state), epoch=epoch, batches=done)
        self.ckpt.save(view, epoch - 1, run.history, run.callbacks.callbacks, partial=partial)

    def epoch_sums(self, tracker: Any, step: Any, state: Any) -> Dict[str, Any]:
        """What a mid-epoch checkpoint holds of this process's epoch so far: the RNG
        states and data position at its start, the tracker's losses, the metrics' sums."""
        return {"rng_epoch": self._epoch_start["rng"], "data_epoch": self._epoch_start["data"],
                "tracker": object_state(tracker),
                "metrics": [object_state(m, private_only=True)
                            for m in step.epoch_metrics(state)]}

    def save_epoch_end(self, view: Any, epoch: int, run: Any) -> None:
        """The checkpoint after ``epoch`` ended (every epoch, with ``checkpoint_dir``)."""
        self.ckpt.save(view, epoch, run.history, run.callbacks.callbacks, run.data)

    def stop_requested(self) -> int:
        """At an epoch end: the signal that arrived (during validation or the epoch's
        callbacks), else 0."""
        return self.flag[0]

    def stop_after_epoch(self, epoch: int, run: Any) -> None:
        """The signal came during validation or the epoch end: its checkpoint is written."""
        self._end(f"saved the end of epoch {epoch + 1}/{run.epochs}")

    def _end(self, what: str) -> None:
        signum = self.flag[0]
        self.announce(f"nnlab: {signal.Signals(signum).name} received: {what} to "
                      f"{self.ckpt.path}; run the same fit(..., checkpoint_dir="
                      f"{self.ckpt.directory!r}) again to resume from there.")
        self.__exit__()
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise SystemExit(0)


    def announce(self, line: str) -> None:
        """Print the one line saying what was saved (stderr)."""
        print(line, file=sys.stderr, flush=True)


def _device(step: Any) -> Optional[torch.device]:
    view = step.checkpoint_view()
    first = next(iter(view.model.parameters()), None)
    return None if first is None else first.device


def metrics_in(groups: Any) -> List[Any]:
    """The metric objects of nested lists (a built-in step's per-output groups)."""
    if isinstance(groups, (list, tuple)):
        return [m for g in groups for m in metrics_in(g)]
    return [] if groups is None else [groups]
