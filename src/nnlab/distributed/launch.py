"""``launch(fn, nprocs)``: run ``fn(rank, world_size, *args)`` in ``nprocs`` processes on
this machine with a torch.distributed process group (gloo), for notebooks and tests.

Built on ``torch.multiprocessing`` (spawn) and ``torch.distributed.init_process_group``;
a free loopback port is chosen for the rendezvous. Returns each rank's return value,
ordered by rank; a failing rank raises RuntimeError with its traceback. Under
``torchrun`` use :func:`init_from_env` instead (it reads RANK/WORLD_SIZE/MASTER_ADDR).
"""
from __future__ import annotations

import os
import socket
import traceback
from typing import Any, Callable, List

import torch
import torch.distributed as dist

__all__ = ["launch", "init_from_env", "in_launch_context", "require_launch_context"]

HOW_TO_LAUNCH = ("start the script with `torchrun --nproc_per_node=N script.py` (several "
                 "machines: add --nnodes, --node_rank and --rdzv_endpoint=HOST:PORT), or run "
                 "the training function with nnlab.distributed.launch(train_fn, nprocs=N)")


def in_launch_context() -> bool:
    """True inside ``launch`` or after :func:`init_from_env` under torchrun."""
    return dist.is_available() and dist.is_initialized()


def require_launch_context(what: str = "distributed training") -> None:
    if not in_launch_context():
        raise RuntimeError(f"{what} needs a torch.distributed process group, and there is "
                           f"none: {HOW_TO_LAUNCH}")


def init_from_env(backend: str = None) -> tuple:
    """Join the process group torchrun described in the environment; ``(rank, world)``."""
    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        raise RuntimeError(f"init_from_env: RANK/WORLD_SIZE are not set: {HOW_TO_LAUNCH}")
    if not dist.is_initialized():
        backend = backend or ("nccl" if torch.cuda.is_available() else "gloo")
        store = _attempt_store()
        if store is None:
            dist.init_process_group(backend)
        else:
            dist.init_process_group(backend, store=store, rank=int(os.environ["RANK"]),
                                    world_size=int(os.environ["WORLD_SIZE"]))
    return dist.get_rank(), dist.get_world_size()


def _attempt_store():
    """Under ``torchrun --max-restarts=N`` with the agent's store (torch's default), a
    store whose keys are this attempt's own, else None (torch's env:// rendezvous).

    torchrun's agent keeps one TCPStore for every attempt, and the process group's keys
    (each rank's address) are the same in each: after a restart a rank can read the dead
    attempt's addresses and fail with "Gloo connectFullMesh failed ... Connection
    refused". Prefixing the keys with the attempt number (``TORCHELASTIC_RESTART_COUNT``)
    keeps the attempts apart."""
    attempt = os.environ.get("TORCHELASTIC_RESTART_COUNT")
    if attempt is None or os.environ.get("TORCHELASTIC_USE_AGENT_STORE") != "True":
        return None
    from datetime import timedelta
    store = dist.TCPStore(os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"]),
                          int(os.environ["WORLD_SIZE"]), is_master=False,
                          timeout=timedelta(minutes=10))
    return dist.PrefixStore(f"nnlab/attempt_{attempt}", store)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank, world, port, fn, args, queue):
    try:
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                          WORLD_SIZE=str(world))
        torch.set_num_threads(1)
        dist.init_process_group("gloo", rank=rank, world_size=world)
        try:
            queue.put((rank, True, fn(rank, world, *args)))
        finally:
            dist.destroy_process_group()
    except BaseException:  # report any failure to the parent, then exit non-zero
        queue.put((rank, False, traceback.format_exc()))
        raise


def launch(fn: Callable, nprocs: int = 2, args: tuple = (), timeout: float = 600.0) -> List[Any]:
    """Run ``fn(rank, world_size, *args)`` in ``nprocs`` spawned processes (gloo).

    ``fn`` must be importable (a module-level function); its return values must pickle.
    """
    if isinstance(nprocs, bool) or not isinstance(nprocs, int) or nprocs < 1:
        raise ValueError(f"nprocs must be a positive int, got {nprocs!r}")
    ctx = torch.multiprocessing.get_context("spawn")
    queue = ctx.SimpleQueue()
    port = _free_port()
    procs = [ctx.Process(target=_worker, args=(r, nprocs, port, fn, args, queue), daemon=False)
             for r in range(nprocs)]
    for p in procs:
        p.start()
    results = {}
    for _ in range(nprocs):
        rank, ok, value = queue.get()
        if not ok:
            for p in procs:
                p.join(timeout=5)
                if p.is_alive():
                    p.terminate()
            raise RuntimeError(f"launch: rank {rank} failed:\n{value}")
        results[rank] = value
    for p in procs:
        p.join(timeout)
    return [results[r] for r in range(nprocs)]
