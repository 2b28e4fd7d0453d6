"""``fit(..., distributed=True)``: data-parallel training with torch's
``DistributedDataParallel`` under ``torchrun`` or :func:`nnlab.distributed.launch`.

The training floor does not know this package: importing it registers :func:`prepare_fit`
with :mod:`nnlab.training.distributed_hook`, and the trainer calls it once at the start of
a distributed ``fit`` with the call's :class:`~nnlab.training.fit_arguments.FitArguments`.
It

- refuses to start outside a process group (the message says how to launch), for a
  model with its own ``train_step``, with ``compile(jit=True)``, with a DataLoader or
  generator (pass arrays or a map-style Dataset), and when ranks hold different data
  sizes -- before any work, the model untouched;
- shards the data: every rank keeps the same number of samples (``n - n % world``;
  up to ``world - 1`` samples are dropped), and global batch ``i`` of
  ``world * batch_size`` samples is split into one contiguous slice per rank, so with
  ``shuffle=False`` N processes x ``batch_size`` take exactly the steps of one process
  x ``N * batch_size`` (``batch_size`` is per process, as in DDP). With ``shuffle=True``
  each rank shuffles its own shard every epoch;
- keeps the progress display (``verbose``) and the resume checkpoint
  (``checkpoint_dir``) on rank 0 only; the other ranks read the checkpoint's epoch so
  that every rank resumes at the same epoch, and receive rank 0's weights (DDP's
  broadcast), optimizer state and step count at the start of training, and their own
  RNG state and mid-epoch sums (one checkpoint holds every rank's);
- with ``checkpoint_dir``, SIGTERM/SIGINT to any rank and ``checkpoint_every`` stop
  and save every rank at the same step (:mod:`nnlab.distributed.preemption`);
- adds a first callback, :class:`DistributedFit`, that wraps the built model in
  ``DistributedDataParallel`` for the training forward passes (the trainer's public
  ``set_train_forward``; gradients averaged over ranks in DDP's buckets) and
  all-reduces (averages) every numeric epoch log, so History and callbacks see the
  same figures on every rank.

Validation data is not sharded: every rank evaluates all of it (identical weights give
identical figures). The progress line on rank 0 shows rank 0's running figures; the
epoch logs given to callbacks and History are the means over ranks.
"""
from __future__ import annotations

import dataclasses
import os
from typing import Any, Optional

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from ..callbacks import Callback
from ..training.checkpoint import FILENAME, CheckpointState
from ..training.custom_step import overrides
from ..training.distributed_hook import register_distributed_fit
from ..training.fit_arguments import FitArguments
from .launch import require_launch_context
from .preemption import AgreeingForward, DistributedPreemption

__all__ = ["prepare_fit", "DistributedFit", "shard_indices"]


def shard_indices(n: int, world: int, rank: int, batch_size: int) -> np.ndarray:
    """Indices of rank ``rank``'s samples out of ``n``: global batch ``i`` (``world *
    batch_size`` samples, the last one shorter) is cut into ``world`` equal contiguous
    slices; ``n % world`` trailing samples are dropped. Returns ``(n // world,)``."""
    n_used = n - n % world
    out, g = [], world * batch_size
    for start in range(0, n_used, g):
        part = min(g, n_used - start) // world
        out.append(np.arange(start + rank * part, start + (rank + 1) * part))
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def _length(obj: Any) -> Optional[int]:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return _length(next(iter(obj.values()))) if obj else 0
    if isinstance(obj, (list, tuple)) and obj and hasattr(obj[0], "shape"):
        return len(obj[0])
    return len(obj)


def _take(obj: Any, idx: np.ndarray) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return {k: _take(v, idx) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)) and obj and hasattr(obj[0], "shape"):
        return type(obj)(_take(o, idx) for o in obj)
    if isinstance(obj, torch.Tensor):
        return obj[torch.as_tensor(idx, dtype=torch.long)]
    return np.asarray(obj)[idx]


def _checkpoint_epoch(checkpoint_dir: Optional[str]) -> int:
    """Epochs completed by the checkpoint in ``checkpoint_dir`` (0 if none)."""
    path = os.path.join(os.fspath(checkpoint_dir), FILENAME) if checkpoint_dir else None
    if path is None or not os.path.exists(path):
        return 0
    state = CheckpointState(checkpoint_dir).read()  # the checks rank 0 makes, same error
    return int(state["epoch"]) + 1


@register_distributed_fit
def prepare_fit(trainer, args: FitArguments) -> FitArguments:
    """Check and shard one rank's ``fit`` arguments (see the module docstring).

    Returns the arguments for this rank: its shard of ``x``/``y``/``sample_weight``,
    ``verbose``, ``checkpoint_dir`` and ``initial_epoch`` for its rank, and
    :class:`DistributedFit` before the user's callbacks.
    """
    x, y, sample_weight = args.x, args.y, args.sample_weight
    require_launch_context("fit(distributed=True)")
    if overrides(trainer.model):
        raise NotImplementedError(
            "fit(distributed=True) does not support a model with its own train_step; add "
            "callbacks=[nnlab.distributed.DataParallel()] (gradient averaging hooks) instead")
    if trainer.jit:
        raise NotImplementedError("fit(distributed=True) with compile(jit=True) is not supported; "
                                  "compile with jit=False")
    if args.checkpoint_dir and args.checkpoint_mismatch != "error":
        raise ValueError("fit(distributed=True) supports only checkpoint_mismatch='error' (every "
                         "rank must agree on the epoch to resume from)")
    if isinstance(x, torch.utils.data.Dataset) and hasattr(x, "__len__") and \
            not isinstance(x, torch.utils.data.IterableDataset):
        n = len(x)
    elif isinstance(x, (np.ndarray, torch.Tensor, list, tuple, dict)):
        n = _length(x)
        if y is not None and _length(y) != n:
            raise ValueError(f"fit(distributed=True): x has {n} samples, y {_length(y)}")
    else:
        raise TypeError(f"fit(distributed=True) shards in-memory arrays and map-style torch "
                        f"Datasets; got {type(x).__name__}. Pass arrays or a Dataset (not a "
                        f"DataLoader or generator); it is split across ranks here.")
    rank, world = dist.get_rank(), dist.get_world_size()
    sizes = [None] * world
    dist.all_gather_object(sizes, n)
    if len(set(sizes)) != 1:
        raise ValueError(f"fit(distributed=True): ranks hold different data sizes {sizes}; give "
                         f"every rank the same arrays (each rank keeps its own part)")
    if n < world:
        raise ValueError(f"fit(distributed=True): {n} samples cannot be split over {world} ranks")
    idx = shard_indices(n, world, rank, args.batch_size)
    if isinstance(x, torch.utils.data.Dataset):
        x = torch.utils.data.Subset(x, idx.tolist())
    else:
        x, y, sample_weight = _take(x, idx), _take(y, idx), _take(sample_weight, idx)
    rank_args = {} if rank == 0 else {
        "verbose": 0, "checkpoint_dir": None,
        "initial_epoch": max(args.initial_epoch, _checkpoint_epoch(args.checkpoint_dir))}
    fit_callback = DistributedFit(trainer)
    if args.checkpoint_dir:  # SIGTERM/SIGINT and checkpoint_every on every rank
        def preemption(ckpt):
            fit_callback.preempt = DistributedPreemption(ckpt, rank, world)
            return fit_callback.preempt
        rank_args["preemption"] = preemption
    return dataclasses.replace(args, x=x, y=y, sample_weight=sample_weight,
                               callbacks=[fit_callback] + list(args.callbacks or []),
                               **rank_args)


class DistributedFit(Callback):
    """Wraps the model in ``DistributedDataParallel`` for one ``fit`` of ``trainer`` and
    averages the epoch logs over ranks. Added by :func:`prepare_fit` (first in the list,
    so later callbacks see averaged logs)."""

    def __init__(self, trainer):
        super().__init__()
        self.trainer = trainer
        self.preempt: Optional[DistributedPreemption] = None  # with a checkpoint_dir

    def on_train_begin(self, logs=None):
        trainer = self.trainer
        # rank 0 may have resumed from its checkpoint: give every rank its optimizer state
        state = [trainer.optimizer.state_dict(), trainer.iterations]
        dist.broadcast_object_list(state, src=0)
        trainer.optimizer.load_state_dict(state[0])
        trainer.iterations = state[1]
        if self.preempt is not None:  # the checkpoint's per-rank states and partial epoch
            info = [self.preempt.resume_info() if dist.get_rank() == 0 else None]
            dist.broadcast_object_list(info, src=0)
            self.preempt.resumed(info[0])
        # DDP's constructor broadcasts rank 0's parameters and buffers to every rank
        ddp = DistributedDataParallel(self.model)
        trainer.set_train_forward(ddp if self.preempt is None else
                                  AgreeingForward(ddp, self.preempt))

    def on_epoch_end(self, epoch, logs=None):
        if not logs:
            return
        keys = sorted(k for k, v in logs.items()
                      if isinstance(v, (int, float, np.floating)) and not isinstance(v, bool))
        t = torch.tensor([float(logs[k]) for k in keys], dtype=torch.float64)
        dist.all_reduce(t)
        t /= dist.get_world_size()
        logs.update({k: float(v) for k, v in zip(keys, t)})

    def on_train_end(self, logs=None):
        self.trainer.set_train_forward(None)
