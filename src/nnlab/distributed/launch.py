"""``launch(fn, nprocs)``: run ``fn(rank, world_size, *args)`` in ``nprocs`` processes on
this machine with a torch.distributed process group (gloo), for notebooks and tests.

Built on ``torch.multiprocessing`` (spawn) and ``torch.distributed.init_process_group``;
a free loopback port is chosen for the rendezvous. Returns each rank's return value,
ordered by rank. A rank that raises, exits or is killed ends the launch within seconds:
the others are stopped and :class:`WorkerFailed` names the rank, its exit code or
signal and its traceback (the launch never waits for ever on a dead worker). Under
``torchrun`` use :func:`init_from_env` instead (it reads RANK/WORLD_SIZE/MASTER_ADDR).
"""
from __future__ import annotations

import os
import signal
import socket
import time
import traceback
from multiprocessing import connection as mp_connection
from typing import Any, Callable, List

import torch
import torch.distributed as dist

__all__ = ["launch", "init_from_env", "in_launch_context", "require_launch_context",
           "WorkerFailed"]

#: Seconds a worker gets to exit after SIGTERM before it is SIGKILLed.
STOP_GRACE = 3.0

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


def _worker(rank, world, port, fn, args, conn):
    """One rank: join the group, run ``fn`` and send ``(True, result)`` or ``(False,
    traceback)`` on ``conn`` -- the failure *before* leaving the group, so the parent
    hears of it before the other ranks see a closed connection and fail in turn."""
    try:
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                          WORLD_SIZE=str(world))
        torch.set_num_threads(1)
        dist.init_process_group("gloo", rank=rank, world_size=world)
        try:
            result = fn(rank, world, *args)
        except BaseException:  # report any failure to the parent, then exit non-zero
            conn.send((False, traceback.format_exc()))
            raise
        try:
            conn.send((True, result))
        except Exception:  # a result that does not pickle: say so, not "died"
            conn.send((False, traceback.format_exc()))
            raise
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def _how_it_ended(proc) -> str:
    code = proc.exitcode
    if code is not None and code < 0:
        try:
            return f"was killed by signal {signal.Signals(-code).name} ({-code})"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def _stop(procs: List[Any], grace: float = STOP_GRACE) -> None:
    """SIGTERM every live worker, SIGKILL those still alive ``grace`` seconds later."""
    procs = [p for p in procs if p.pid is not None]  # (started ones)
    for p in procs:
        if p.is_alive():
            p.terminate()
    deadline = time.monotonic() + grace
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
    for p in procs:
        if p.is_alive():
            p.kill()
            p.join(grace)


def launch(fn: Callable, nprocs: int = 2, args: tuple = (), timeout: float = 600.0) -> List[Any]:
    """Run ``fn(rank, world_size, *args)`` in ``nprocs`` spawned processes (gloo).

    ``fn`` must be importable (a module-level function); its return values must pickle.
    Returns the ranks' return values, by rank. ``timeout``: seconds to wait for the
    workers to exit once all have returned (then they are stopped).

    A worker that raises, exits or is killed (SIGKILL, ``os._exit``, a segfault, the
    OOM killer) before returning ends the launch at once: the other workers get SIGTERM
    (SIGKILL after :data:`STOP_GRACE` seconds) and :class:`WorkerFailed` (a
    ``RuntimeError``) names the first rank that failed, its exit code or signal and,
    for an exception, its traceback. (The other ranks' own failures -- e.g. gloo's
    "Connection closed by peer" -- are listed after it.)

    Raises:
        ValueError: ``nprocs`` is not a positive int.
        WorkerFailed: a worker failed; no worker is left running.
    """
    if isinstance(nprocs, bool) or not isinstance(nprocs, int) or nprocs < 1:
        raise ValueError(f"nprocs must be a positive int, got {nprocs!r}")
    ctx = torch.multiprocessing.get_context("spawn")
    port = _free_port()
    pipes = [ctx.Pipe(duplex=False) for _ in range(nprocs)]
    procs = [ctx.Process(target=_worker, args=(r, nprocs, port, fn, args, pipes[r][1]),
                         daemon=False) for r in range(nprocs)]
    try:
        for p in procs:
            p.start()
        for _, send in pipes:
            send.close()  # the child holds its own end: EOF when it is gone
        results = _collect(procs, [recv for recv, _ in pipes])
        for p in procs:
            p.join(timeout)
        return [results[r] for r in range(nprocs)]
    finally:
        _stop(procs)  # nothing outlives launch: an error, Ctrl-C, or a timed-out join


def _collect(procs: List[Any], conns: List[Any]) -> dict:
    """Every rank's result, or :class:`WorkerFailed` as soon as one rank has failed."""
    results, failures = {}, []
    pending = dict(enumerate(conns))
    while len(results) < len(procs):
        watch = list(pending.values()) + [procs[r].sentinel for r in pending]
        ready = set(mp_connection.wait(watch, timeout=1.0))
        for rank in list(pending):
            conn, proc = pending[rank], procs[rank]
            if conn not in ready and proc.sentinel not in ready:
                continue
            message = _receive(conn)
            if message is None and proc.sentinel not in ready:
                continue  # EOF races the exit: look again at the next wait
            del pending[rank]
            if message is not None and message[0]:
                results[rank] = message[1]
                continue
            proc.join(STOP_GRACE)  # its exit code (it is exiting, or already gone)
            failures.append((rank, proc, None if message is None else message[1]))
        if failures:  # seen together: a rank that failed on its own before its victims
            failures.sort(key=lambda f: _collateral(f[2]))
            _stop(procs)
            for rank in list(pending):  # what the others said while they were stopped
                message = _receive(pending[rank])
                if message is not None and not message[0]:
                    failures.append((rank, procs[rank], message[1]))
            raise WorkerFailed(failures, len(procs))
    return results


def _collateral(tb: Any) -> bool:
    """True for gloo's error on a rank whose peer died (a consequence, not the cause)."""
    return tb is not None and any(m in tb for m in (
        "Connection closed by peer", "Connection reset by peer", "remote worker"))


def _receive(conn) -> Any:
    """The message on ``conn`` if there is one, else None (nothing, or EOF)."""
    try:
        return conn.recv() if conn.poll() else None
    except (EOFError, OSError):
        return None


class WorkerFailed(RuntimeError):
    """A worker of :func:`launch` failed; ``rank``, ``exitcode`` and ``traceback``
    (None when it died without raising) describe the first one."""

    def __init__(self, failures: list, world: int):
        rank, proc, tb = failures[0]
        self.rank, self.exitcode, self.traceback = rank, proc.exitcode, tb
        why = "raised an exception" if tb is not None else "died without a traceback"
        lines = [f"launch: rank {rank} of {world} {_how_it_ended(proc)} ({why}); the other "
                 f"workers were stopped."]
        if tb is None:
            lines.append("It was killed or exited from outside Python's error handling "
                         "(SIGKILL, the out-of-memory killer, os._exit, a crash in native "
                         "code): see its output above.")
        else:
            lines.append(f"Rank {rank}'s traceback:\n{tb.rstrip()}")
        for other, oproc, otb in failures[1:]:
            last = (otb or "").strip().splitlines()[-1:] or ["no traceback"]
            lines.append(f"Then rank {other} {_how_it_ended(oproc)}: {last[0]}")
        super().__init__("\n".join(lines))
