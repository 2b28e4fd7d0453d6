"""Worker functions and the driver of ``test_launch_failures.py`` (run in a subprocess
with a timeout, so a launch that hangs fails the test instead of hanging the suite).

Every case: rank 1 dies after writing the time of its death, while rank 0 computes (a
long ``sleep``: it never notices; case ``sigkill``) or waits in a collective
(``all_reduce`` in a loop, as a training step does: gloo then fails on rank 0 too). The driver prints one JSON
line per case: the error's type and message and the seconds from the death to the
error."""
import json
import os
import signal
import sys
import time

import torch
import torch.distributed as dist


def _rank0(how: str) -> None:
    """Rank 0: a long computation (``sigkill``), or all-reduce for ever (the other rank
    will never join)."""
    if how == "sigkill":
        time.sleep(600)
    t = torch.zeros(1)
    while True:
        dist.all_reduce(t)


def _die(rank: int, world: int, how: str, stamp: str):
    with open(f"{stamp}.rank{rank}.pid", "w") as f:
        f.write(str(os.getpid()))
    dist.all_reduce(torch.zeros(1))  # both ranks are in the group
    if rank == 0:
        _rank0(how)
    with open(stamp, "w") as f:
        f.write(repr(time.time()))
    if how == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    if how == "exit":
        os._exit(3)
    if how == "unpicklable":
        return lambda: None  # a result the parent cannot receive
    raise ValueError("rank 1 found bad data")  # how == "exception"


def die(rank: int, world: int, how: str, stamp: str):
    """The launched function: rank 1 dies as ``how`` says; rank 0 waits for ever."""
    return _die(rank, world, how, stamp)


def main(cases, folder: str) -> None:
    from nnlab.distributed import launch
    for how in cases:
        stamp = os.path.join(folder, how + ".time")
        try:
            launch(die, nprocs=2, args=(how, stamp))
            out = {"case": how, "error": None}
        except BaseException as exc:  # noqa: BLE001 (the test reads what it was)
            now = time.time()
            with open(stamp) as f:
                died = float(f.read())
            out = {"case": how, "error": type(exc).__name__, "message": str(exc),
                   "seconds": now - died}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main(sys.argv[2:], sys.argv[1])
