"""Preemption and step checkpoints under ``fit(distributed=True, checkpoint_dir=...)``.

The single-process behaviour (:mod:`nnlab.training.preemption`: SIGTERM/SIGINT finish
the step, write a mid-epoch checkpoint, end the fit; ``checkpoint_every``; the resumed
run bit-identical) made to hold for N ranks, which must stop at the *same* step and
leave *one* consistent checkpoint:

- **Agreement.** A signal may reach one rank (a ``kill`` of one process) or all of them
  (``torchrun`` forwards the launcher's SIGTERM), at different moments. The handler
  only records it (:attr:`DistributedPreemption.received`); before every training
  forward pass each rank all-reduces (max) what it received -- one 1-element
  collective per step, next to DDP's gradient all-reduce -- and only that agreed value
  (:attr:`flag`) ends the epoch loop, so every rank breaks after the same step. At
  every epoch end (after the checkpoint write) the ranks agree once more, for a signal
  that came during validation or the epoch's callbacks.
- **One checkpoint.** Each rank's own state -- its RNG states (each rank shuffles its
  shard with its own generator), and mid-epoch its loss tracker and metric sums -- is
  gathered to rank 0, which writes the checkpoint (``ranks``: a list by rank) while
  the others wait at a barrier. Weights, optimizer state and the step counter are the
  same on every rank (DDP) and are written once.
- **Resume.** Rank 0 reads the checkpoint; :class:`~nnlab.distributed.fit.DistributedFit`
  broadcasts its ``partial`` entry, the ``ranks`` list and the callbacks' states at
  ``on_train_begin``; every rank puts back its own RNG state and epoch sums, and the
  callbacks' states (so that EarlyStopping or ReduceLROnPlateau decide alike on every
  rank), and skips the batches already trained.

Rank 0 prints the one line; every rank then ends as a single process does
(``SystemExit(0)`` for SIGTERM, ``KeyboardInterrupt`` for SIGINT).
"""
from __future__ import annotations

import signal
from typing import Any, Dict, List, Optional

import torch
import torch.distributed as dist

from ..training.checkpoint import (CheckpointState, rng_state, set_callback_states,
                                   set_rng_state)
from ..training.preemption import Preemption

__all__ = ["DistributedPreemption", "AgreeingForward"]


class DistributedPreemption(Preemption):
    """One rank's preemption state in a distributed fit (``ckpt`` on rank 0 only)."""

    def __init__(self, ckpt: Optional[CheckpointState], rank: int, world: int):
        super().__init__(ckpt)
        self.rank, self.world = rank, world
        self.received = [0]  # this process's signal, not yet agreed on
        self._vote = torch.zeros(1, dtype=torch.int64)
        self._resume: Dict[str, Any] = {}

    # ------------------------------------------------------------ agreement
    def _handle(self, signum: int, frame: Any) -> None:
        if self.received[0]:  # a second signal to this process: stop now
            self.__exit__()
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            raise SystemExit(128 + signum)
        self.received[0] = signum

    def agree(self) -> int:
        """Collective (every rank, same point): the largest signal any rank received
        becomes :attr:`flag` on all of them. Returns it (0: none)."""
        self._vote[0] = self.received[0]
        dist.all_reduce(self._vote, op=dist.ReduceOp.MAX)
        self.flag[0] = int(self._vote[0])
        return self.flag[0]

    def stop_requested(self) -> int:
        return self.agree()  # also the barrier after rank 0's epoch-end write

    # ----------------------------------------------------------------- saving
    def _gather(self, mine: Dict[str, Any]) -> Optional[List[Dict[str, Any]]]:
        out = [None] * self.world if self.rank == 0 else None
        dist.gather_object(mine, out, dst=0)
        return out

    def save_epoch_end(self, view: Any, epoch: int, run: Any) -> None:
        ranks = self._gather({"rng": rng_state()})
        if self.rank == 0:
            self.ckpt.save(view, epoch, run.history, run.callbacks.callbacks, run.data,
                           ranks=ranks)

    def save_mid_epoch(self, view: Any, epoch: int, done: int, run: Any, step: Any,
                       tracker: Any, state: Any) -> None:
        mine = dict(self.epoch_sums(tracker, step, state), rng=rng_state())
        ranks = self._gather(mine)
        if self.rank == 0:
            partial = dict(self.epoch_sums(tracker, step, state), epoch=epoch, batches=done)
            self.ckpt.save(view, epoch - 1, run.history, run.callbacks.callbacks,
                           partial=partial, ranks=ranks)
        dist.barrier()  # nobody ends (or trains on) before the checkpoint is whole

    def _end(self, what: str) -> None:
        if self.rank == 0:
            return super()._end(f"all {self.world} ranks stopped; " + what)
        signum = self.flag[0]
        self.__exit__()
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise SystemExit(0)

    # ----------------------------------------------------------------- resume
    def resumed(self, info: Dict[str, Any]) -> None:
        """Rank 0's checkpoint entries (``partial``, ``ranks``), broadcast at
        ``on_train_begin``: this rank puts back its RNG state."""
        self._resume = info
        ranks = info.get("ranks")
        if self.rank != 0 and ranks:
            if len(ranks) != self.world:
                from ..errors import ConfigError
                raise ConfigError(f"The checkpoint holds the states of {len(ranks)} ranks, "
                                  f"this fit runs {self.world}; resume with the same number "
                                  f"of processes, or use another checkpoint_dir.")
            set_rng_state(ranks[self.rank]["rng"])

    def resume_point(self, epoch: int) -> Optional[Dict[str, Any]]:
        if self.rank == 0:
            return super().resume_point(epoch)
        partial = self._resume.get("partial")
        if partial is None or int(partial["epoch"]) != epoch:
            return None
        self._resume["partial"] = None
        mine = self._resume["ranks"][self.rank]
        return dict(partial, rng_epoch=mine["rng_epoch"], data_epoch=mine["data_epoch"],
                    tracker=mine["tracker"], metrics=mine["metrics"], rng_now=mine["rng"])

    def resume_info(self) -> Dict[str, Any]:
        """On rank 0, what the other ranks need of the restored checkpoint."""
        ckpt = self.ckpt
        return {"partial": None if ckpt is None else ckpt.partial,
                "ranks": None if ckpt is None else ckpt.ranks,
                "callbacks": {} if ckpt is None else ckpt.callback_states}

    def restore_callbacks(self, callbacks: List[Any]) -> None:
        """Rank 0's callbacks' states (EarlyStopping, ReduceLROnPlateau...) on the other
        ranks too: every rank must decide alike (stop, or change the learning rate)."""
        if self.rank != 0:
            set_callback_states(callbacks, self._resume.get("callbacks") or {})


class AgreeingForward(torch.nn.Module):
    """The training forward of a distributed fit with a checkpoint: the ranks agree on
    a pending signal (:meth:`DistributedPreemption.agree`), then DDP's forward runs."""

    def __init__(self, ddp: torch.nn.Module, preempt: DistributedPreemption):
        super().__init__()
        self.ddp = ddp
        self.preempt = preempt

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        self.preempt.agree()
        return self.ddp(*args, **kwargs)
