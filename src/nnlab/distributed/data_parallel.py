"""Data-parallel ``fit`` without touching the trainer: :class:`DataParallel` is a Callback
that makes every rank's gradients the mean over all ranks.

On ``on_train_begin`` it checks that a process group exists (else a RuntimeError says
how to launch), broadcasts rank 0's weights to every rank, and registers a gradient hook
on each trainable Parameter that ``all_reduce``s the gradient and divides it by the world
size (torch.distributed's collective; DistributedDataParallel does the same averaging,
bucketed). With each rank fitting its own shard (:func:`shard`), ``N`` processes x batch
``b`` take the same steps as one process x batch ``N * b`` over the same data order.
Epoch logs are averaged over ranks; use ``verbose=0`` and save checkpoints on rank 0.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.distributed as dist

from ..callbacks import Callback
from .launch import require_launch_context

__all__ = ["DataParallel", "shard"]


def shard(x, y, batch_size: int, rank: int = None, world: int = None):
    """This rank's part of ``(x, y)`` for per-rank ``batch_size``: global batch ``i`` is
    samples ``[i*world*batch_size, (i+1)*world*batch_size)`` and rank ``r`` takes its
    ``r``-th slice of ``batch_size``. Every rank must hold the same number of samples,
    a multiple of ``world * batch_size``."""
    require_launch_context("shard")
    rank = dist.get_rank() if rank is None else rank
    world = dist.get_world_size() if world is None else world
    n = len(x)
    sizes = [torch.zeros(1, dtype=torch.int64) for _ in range(world)]
    dist.all_gather(sizes, torch.tensor([n]))
    if len({int(s) for s in sizes}) != 1:
        raise ValueError(f"shard: ranks hold different data sizes {[int(s) for s in sizes]}; "
                         f"give every rank the same arrays")
    g = world * batch_size
    if n % g or len(y) != n:
        raise ValueError(f"shard: {n} samples is not a multiple of world_size * batch_size "
                         f"= {g} (or len(y) != len(x))")
    idx = np.arange(n).reshape(n // g, world, batch_size)[:, rank].reshape(-1)
    return x[idx], y[idx]


class DataParallel(Callback):
    """Average gradients over ranks during ``fit`` (see the module docstring)."""

    def __init__(self):
        super().__init__()
        self._handles = []

    def on_train_begin(self, logs=None):
        require_launch_context("fit with DataParallel")
        world = dist.get_world_size()
        with torch.no_grad():
            for t in list(self.model.parameters()) + list(self.model.buffers()):
                dist.broadcast(t.data, src=0)

        def average(grad):
            grad = grad.clone()
            dist.all_reduce(grad)
            return grad / world

        self._handles = [p.register_hook(average) for p in self.model.parameters()
                         if p.requires_grad]

    def on_epoch_end(self, epoch, logs=None):
        if logs:
            keys = sorted(k for k, v in logs.items() if isinstance(v, (int, float)))
            t = torch.tensor([float(logs[k]) for k in keys], dtype=torch.float64)
            dist.all_reduce(t)
            t /= dist.get_world_size()
            logs.update({k: float(v) for k, v in zip(keys, t)})

    def on_train_end(self, logs=None):
        for h in self._handles:
            h.remove()
        self._handles = []
