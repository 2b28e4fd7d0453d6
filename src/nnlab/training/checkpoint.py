"""Crash-safe, faithful resume for ``fit(..., checkpoint_dir=...)``.

At every epoch end the trainer writes ``checkpoint_dir/last.ckpt`` atomically (temporary
file, fsync, ``os.replace``). It holds everything the rest of the run depends on:

- ``model``: the weights; ``optimizers``: a list of optimizer states (one for a plain
  model; several for a custom step that trains several, e.g. a GAN);
- ``iterations``: optimizer steps taken (a per-step learning-rate schedule continues
  from it);
- ``callbacks``: the state of callbacks that keep some (``EarlyStopping``'s best, wait
  and best weights, ``ReduceLROnPlateau``'s, ``ModelCheckpoint``'s best), keyed by
  position and class, through their ``get_state``/``set_state``;
- ``epoch``, ``epochs``, ``stopped`` (a callback ended the run), the history so far,
  and the RNG states of python, numpy and torch;
- ``fingerprint``: what the run is (:mod:`nnlab.training.run_fingerprint`).

A process killed at any moment leaves either the previous checkpoint or the new one.
Calling the same ``fit`` again loads it and continues with the next epoch, drawing the
same shuffles and learning rates an uninterrupted run would have, so the final weights
are bit-identical. A checkpoint of *another* run is refused (``ConfigError`` naming
what differs) unless ``fit(checkpoint_mismatch="restart")``, which warns and starts
afresh. While a fit uses the folder it holds an exclusive lock (``.lock``; released by
the kernel if the process dies), so two processes cannot write one checkpoint.

The file holds only tensors and plain python values and is read with
``torch.load(..., weights_only=True)``: nothing in it is executed.
"""
from __future__ import annotations

import errno
import json
import os
import random
import stat
import warnings
from typing import Any, Dict, List, Optional

import numpy as np
import torch

from ..errors import ConfigError
from ..models.saving.ordering import by_position
from ..utils.format_version import check_format_name, check_format_version
from ..utils.io import atomic_write, free_bytes, remove_stale_temporaries, write_error
from .run_fingerprint import differences

try:  # POSIX advisory locks; elsewhere the folder is not locked
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

FILENAME = "last.ckpt"
LOCKNAME = ".lock"
FORMAT = "nnlab-checkpoint"
#: The checkpoint layout this nnlab writes and the newest it reads.
VERSION = 2
MISMATCH_MODES = ("error", "restart")
_INSTEAD = "delete it to start from scratch, or use another checkpoint_dir"


def rng_state() -> Dict[str, Any]:
    """The RNG states of torch, numpy and python, as checkpoint values."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    return {"torch": torch.get_rng_state(),
            "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)),
                      "pos": int(pos), "has_gauss": int(has_gauss), "cached": float(cached)},
            "python": json.dumps(random.getstate())}


def set_rng_state(state: Dict[str, Any]) -> None:
    """Put back RNG states taken by :func:`rng_state`."""
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state((n["kind"], n["keys"].numpy().astype(np.uint32), n["pos"],
                         n["has_gauss"], n["cached"]))
    version, internal, gauss = json.loads(state["python"])
    random.setstate((version, tuple(internal), gauss))


def _size(state: Any) -> int:
    """About the bytes ``torch.save(state)`` writes: the tensors, and a margin for the
    zip records and the pickled structure."""
    tensors = []

    def walk(value: Any) -> None:
        if isinstance(value, torch.Tensor):
            tensors.append(value.numel() * value.element_size())
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
    walk(state)
    return sum(tensors) + 64 * len(tensors) + 2**16


def data_state(data: Any) -> Any:
    """The training data's position (``steps_per_epoch``'s walk), or None."""
    return data.state() if callable(getattr(data, "state", None)) else None


def optimizers_of(trainer) -> List[torch.optim.Optimizer]:
    """The trainer's optimizers: ``trainer.optimizers`` if it has several, else one."""
    several = getattr(trainer, "optimizers", None)
    return list(several) if several else [trainer.optimizer]


def _open_lock(lock_path: str) -> int:
    """The lock file's descriptor, never through a symbolic link (a link named ``.lock``
    would make the pid overwrite the file it points to): a link or another non-regular
    file there is refused with a ConfigError."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(lock_path, flags, 0o644)
    except OSError as exc:
        if os.path.islink(lock_path) or not os.path.isfile(lock_path):
            raise ConfigError(
                f"{lock_path!r} is a symbolic link or not a regular file; fit writes its "
                f"lock there and never writes through a link. Remove it (the file it points "
                f"to is not touched) or use another checkpoint_dir.") from exc
        raise
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
        os.close(fd)
        what = "has other hard links" if stat.S_ISREG(info.st_mode) else \
            "is not a regular file"
        raise ConfigError(f"{lock_path!r} {what}; fit keeps its lock there and would "
                          f"overwrite it. Remove it or use another checkpoint_dir.")
    return fd


def _callback_key(index: int, cb) -> str:
    return f"{index}:{type(cb).__name__}"


class CheckpointState:
    """Reads and writes the resume checkpoint in ``directory``; a context manager that
    holds the folder's lock while a fit runs."""

    def __init__(self, directory: str, mismatch: str = "error"):
        if mismatch not in MISMATCH_MODES:
            raise ValueError(f"checkpoint_mismatch must be one of {MISMATCH_MODES}, got "
                             f"{mismatch!r}")
        self.directory = os.fspath(directory)
        self.path = os.path.join(self.directory, FILENAME)
        self.mismatch = mismatch
        self._lock_fd: Optional[int] = None
        self._callbacks: Dict[str, Any] = {}
        self._data: Any = None
        self.partial: Optional[Dict[str, Any]] = None
        self.ranks: Optional[List[Dict[str, Any]]] = None  # a distributed fit's, by rank
        self.fingerprint: Dict[str, Any] = {}
        self.epochs = 0

    # ------------------------------------------------------------------ lock
    def __enter__(self) -> "CheckpointState":
        os.makedirs(self.directory, exist_ok=True)
        if fcntl is not None:
            self._lock()
        remove_stale_temporaries(self.directory)
        return self

    def _lock(self) -> None:
        lock_path = os.path.join(self.directory, LOCKNAME)
        for _ in range(10):
            fd = _open_lock(lock_path)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                owner = os.read(fd, 32).decode(errors="replace").strip() or "?"
                os.close(fd)
                raise ConfigError(
                    f"checkpoint_dir {self.directory!r} is in use by another running fit "
                    f"(pid {owner}); two processes cannot write one checkpoint. Give each "
                    f"run its own checkpoint_dir.") from None
            try:  # the holder before us may have removed the file: lock the one on disk
                same = os.fstat(fd).st_ino == os.lstat(lock_path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                try:  # a failure here (full disk) must not leave the folder locked
                    os.ftruncate(fd, 0)
                    os.write(fd, str(os.getpid()).encode())
                except BaseException:
                    os.close(fd)  # closing releases the flock
                    raise
                self._lock_fd = fd
                return
            os.close(fd)
        raise ConfigError(f"Could not lock checkpoint_dir {self.directory!r}")  # pragma: no cover

    def __exit__(self, *exc) -> None:
        if self._lock_fd is not None:
            try:
                os.remove(os.path.join(self.directory, LOCKNAME))
            except FileNotFoundError:
                pass
            os.close(self._lock_fd)  # closing releases the flock
            self._lock_fd = None

    # ------------------------------------------------------------------ save
    def save(self, trainer, epoch: int, history, callbacks: List[Any], data: Any = None,
             partial: Optional[Dict[str, Any]] = None,
             ranks: Optional[List[Dict[str, Any]]] = None) -> None:
        """Write the checkpoint after ``epoch`` (0-based) ended (``data``: the training
        data, whose position is saved when it keeps one, e.g. ``steps_per_epoch``).
        ``partial``: the epoch after ``epoch`` was stopped mid-way
        (:mod:`nnlab.training.preemption`); its data position is the epoch's start.
        ``ranks``: a distributed fit's per-process states (RNG, epoch sums), by rank."""
        model = trainer.model
        cb_states = {_callback_key(i, cb): cb.get_state() for i, cb in enumerate(callbacks)
                     if callable(getattr(cb, "get_state", None))}
        state = {"format": FORMAT, "version": VERSION, "epoch": epoch, "epochs": self.epochs,
                 "stopped": bool(getattr(model, "stop_training", False)),
                 "model": {k: v.detach().clone() for k, v in model.state_dict().items()},
                 "optimizers": [opt.state_dict() for opt in optimizers_of(trainer)],
                 "iterations": int(getattr(trainer, "iterations", 0)),
                 "callbacks": cb_states,
                 "history": json.dumps({"history": history.history, "epoch": history.epoch}),
                 "fingerprint": json.dumps(self.fingerprint),
                 "rng": rng_state()}
        position = data_state(data) if partial is None else partial["data_epoch"]
        if position is not None:
            state["data"] = position
        if partial is not None:
            state["partial"] = partial
        if ranks is not None:
            state["ranks"] = ranks
        kept = (f"the model in memory holds the weights after epoch {epoch + 1}; the "
                f"checkpoint on disk is the previous one (fit resumes from it)")
        atomic_write(self.path, lambda tmp: torch.save(state, tmp), size=_size(state),
                     kept=kept)

    def check_space(self, model) -> None:
        """Refuse before training when ``checkpoint_dir`` lacks the space of one
        checkpoint (the last one's size, or 3 x the weights: optimizer slots)."""
        if os.path.exists(self.path):
            needed = os.path.getsize(self.path)
        else:
            needed = 3 * sum(t.numel() * t.element_size() for t in model.state_dict().values())
        free = free_bytes(self.directory)
        if free is not None and free < needed:
            raise write_error(self.path, OSError(errno.ENOSPC, "No space left on device"),
                              needed, "nothing was trained yet", free=free, before=True)

    # --------------------------------------------------------------- restore
    def read(self) -> Dict[str, Any]:
        """The checkpoint's contents, checked (readable, format, version, keys) as a
        resume checks them; ConfigError naming the file otherwise."""
        return self._read()

    def _read(self) -> Dict[str, Any]:
        try:
            with warnings.catch_warnings():  # torch's remarks on a garbage file's pickle
                warnings.simplefilter("ignore")
                state = torch.load(self.path, map_location="cpu", weights_only=True)
        except Exception as exc:  # torch's advice (weights_only=False) is unsafe: not given
            size = os.path.getsize(self.path) if os.path.exists(self.path) else 0
            raise ConfigError(
                f"Cannot read the resume checkpoint {self.path!r} ({size:,} bytes): it is "
                f"damaged or truncated (e.g. written to a full disk), or not a checkpoint of "
                f"nnlab's fit ({type(exc).__name__}). Delete it to start training from "
                f"scratch; do not load it with weights_only=False.") from None
        if isinstance(state, dict):
            check_format_name(self.path, "The resume checkpoint", state.get("format"),
                              f"{FORMAT!r} version {VERSION}", _INSTEAD)
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            raise ConfigError(f"{self.path!r} is not an nnlab fit checkpoint; delete it or "
                              f"use another checkpoint_dir")
        check_format_version(self.path, "The resume checkpoint", state.get("version"),
                             VERSION, _INSTEAD)
        missing = [k for k in ("epoch", "model", "history", "rng") if k not in state]
        if missing or ("optimizer" not in state and "optimizers" not in state):
            raise ConfigError(f"The resume checkpoint {self.path!r} is incomplete (missing "
                              f"{', '.join(missing) or 'optimizer state'}); delete it to "
                              f"start from scratch.")
        return state

    def restore(self, trainer, history, fingerprint: Dict[str, Any], epochs: int) -> int:
        """Load the checkpoint if there is one; return the epoch to start from.

        Returns ``epochs`` (nothing left to train) when the checkpointed run already
        finished or a callback stopped it, with a warning saying so.
        """
        self.fingerprint, self.epochs = fingerprint, epochs
        self.check_space(trainer.model)
        if not os.path.exists(self.path):
            return 0
        state = self._read()
        saved_fp = json.loads(state.get("fingerprint", "{}"))
        diffs = differences(saved_fp, fingerprint) if saved_fp else []
        done = int(state["epoch"]) + 1
        if not diffs and done > epochs:
            diffs = [f"it already holds {done} completed epochs, this fit asks for "
                     f"epochs={epochs}"]
        if diffs:
            message = (f"The checkpoint in {self.directory!r} is of another run than this "
                       f"fit: " + "; ".join(diffs))
            if self.mismatch == "error":
                raise ConfigError(message + ". Use another checkpoint_dir, delete this one, "
                                  "or pass fit(checkpoint_mismatch='restart') to start afresh "
                                  "(its checkpoint is replaced at the first epoch end).")
            warnings.warn(message + ": starting afresh (checkpoint_mismatch='restart').",
                          UserWarning, stacklevel=4)
            return 0
        self._load_model(trainer.model, state["model"])
        optimizer_states = state.get("optimizers") or [state["optimizer"]]
        optimizers = optimizers_of(trainer)
        if len(optimizer_states) != len(optimizers):
            raise ConfigError(f"The checkpoint in {self.directory!r} holds "
                              f"{len(optimizer_states)} optimizer state(s), this fit has "
                              f"{len(optimizers)} optimizer(s)")
        for opt, opt_state in zip(optimizers, optimizer_states):
            opt.load_state_dict(opt_state)
        trainer.iterations = int(state.get("iterations", getattr(trainer, "iterations", 0)))
        self._callbacks = state.get("callbacks", {})
        self._data = state.get("data")
        self.partial = state.get("partial")  # an epoch stopped mid-way (preemption.py)
        self.ranks = state.get("ranks")
        if self.partial is not None:
            self.partial["rng_now"] = state["rng"]
        saved = json.loads(state["history"])
        history.history = {k: list(v) for k, v in saved["history"].items()}
        history.epoch = list(saved["epoch"])
        set_rng_state(state["rng"])
        if state.get("stopped") or done == epochs:
            why = "a callback stopped it" if state.get("stopped") else "it is complete"
            warnings.warn(f"checkpoint_dir {self.directory!r} holds a finished run of "
                          f"{done} epoch(s) ({why}): nothing left to train; fit returns its "
                          f"history. Use another checkpoint_dir to train again.",
                          UserWarning, stacklevel=4)
            trainer.model.stop_training = bool(state.get("stopped"))
            return epochs
        return done

    def _load_model(self, model, weights: Dict[str, torch.Tensor]) -> None:
        if set(weights) != set(model.state_dict()):
            # Same architecture built in another order of layer creation (other auto names).
            weights = by_position(model.state_dict(), weights, list(weights)) or weights
        try:
            model.load_state_dict(weights, strict=True)
        except RuntimeError as exc:
            raise ConfigError(f"The checkpoint in {self.directory!r} belongs to another "
                              f"architecture than model {model.name!r}: {exc}") from exc

    def restore_data(self, data: Any) -> None:
        """Give the training data its checkpointed position (if it keeps one)."""
        if self._data is not None and callable(getattr(data, "set_state", None)):
            data.set_state(self._data)

    def restore_callbacks(self, callbacks: List[Any]) -> None:
        """Give callbacks their checkpointed state (call after ``on_train_begin``, which
        resets it)."""
        set_callback_states(callbacks, self._callbacks)

    @property
    def callback_states(self) -> Dict[str, Any]:
        """The restored checkpoint's callback states (``{key: state}``; empty if none)."""
        return self._callbacks


def set_callback_states(callbacks: List[Any], states: Dict[str, Any]) -> None:
    """Give each callback of ``callbacks`` its state in ``states`` (keyed by position
    and class, as :meth:`CheckpointState.save` writes them)."""
    for i, cb in enumerate(callbacks):
        key = _callback_key(i, cb)
        if key in states and callable(getattr(cb, "set_state", None)):
            cb.set_state(states[key])
