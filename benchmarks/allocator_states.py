"""The lecture CNN's fit speed in each state of glibc's allocator, each in a fresh process.

    python benchmarks/allocator_states.py [--rounds 3] [--threads 2] [--loop train_on_batch]
        [--states "cold;cold, tuning off"]

glibc serves blocks above its mmap threshold with fresh pages and moves that threshold
up as the process frees large blocks, so the same training loop can run 2-3x slower or
faster depending on what the process did before (issue 10). nnlab pins the thresholds
at the first fit/predict (``nnlab.utils.allocator``). States measured:

- ``env-pinned``: thresholds pinned by environment variables before Python starts (the
  reference every other state is compared with);
- ``cold``: a fresh process, nnlab's default (pinned at fit);
- ``cold, tuning off``: a fresh process with ``NNLAB_MALLOC_TUNING=0`` (glibc's dynamic
  threshold, what nnlab did before);
- ``settled``: the process first allocates and frees 8-64 MB blocks (as data loading
  does), which raises glibc's threshold, then fits; with nnlab's default and tuning off;
- ``contended``: cold, while another process keeps one core busy; with the reference
  measured under the same contention.

Each child times the first and the second epoch (128-image batches, 12,800 images), with
``model.fit`` or (``--loop train_on_batch``) the Keras loop a GAN lecture writes, one
``model.train_on_batch`` call per batch (pinned since round nine, as fit; before, such a
loop ran in glibc's default state: what ``cold, tuning off`` measures).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from bench_machine import describe, load_after  # benchmarks/ is the script's folder

PINNED_ENV = {"MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TRIM_THRESHOLD_": "536870912"}
STATES = {  # name -> (extra environment, settle first, contended)
    "env-pinned": (PINNED_ENV, False, False),
    "cold": ({}, False, False),
    "cold, tuning off": ({"NNLAB_MALLOC_TUNING": "0"}, False, False),
    "settled": ({}, True, False),
    "settled, tuning off": ({"NNLAB_MALLOC_TUNING": "0"}, True, False),
    "env-pinned, contended": (PINNED_ENV, False, True),
    "cold, contended": ({}, False, True),
}


def child(threads: int, settle: bool, loop: str) -> None:
    import numpy as np
    import torch

    import nnlab
    from nnlab.demo import lecture_cnn
    torch.set_num_threads(threads)
    if settle:  # what loading and preprocessing data leaves behind
        for mb in (64, 8, 32, 16, 64, 8):
            block = np.ones(mb * 2**20 // 8)
            del block
    torch.manual_seed(0)
    x, y = torch.rand(12_800, 28, 28, 1), torch.randint(0, 10, (12_800,))
    marks = []
    clock = nnlab.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: marks.append(time.perf_counter()),
        on_epoch_end=lambda epoch, logs: marks.append(time.perf_counter()))
    model = lecture_cnn()
    model.compile("adam", "sparse_categorical_crossentropy")
    if loop == "fit":
        model.fit(x, y, batch_size=128, epochs=2, verbose=0, callbacks=[clock])
    else:
        for _ in range(2):
            marks.append(time.perf_counter())
            for i in range(0, len(x), 128):
                model.train_on_batch(x[i:i + 128], y[i:i + 128])
            marks.append(time.perf_counter())
    from nnlab.utils.allocator import malloc_state
    print(json.dumps({"first": marks[1] - marks[0], "second": marks[3] - marks[2],
                      "allocator": malloc_state()}))


def burner() -> subprocess.Popen:
    """Another process keeping one core busy (plain Python arithmetic)."""
    return subprocess.Popen([sys.executable, "-c", "while True: sum(range(10000))"])


def run_state(name: str, threads: int, loop: str) -> dict:
    extra, settle, contended = STATES[name]
    env = {**os.environ, **extra, "OMP_NUM_THREADS": str(threads)}
    args = [sys.executable, __file__, "--child", "--threads", str(threads), "--loop", loop]
    if settle:
        args.append("--settle")
    other = burner() if contended else None
    try:
        out = subprocess.run(args, env=env, capture_output=True, text=True, check=True)
    finally:
        if other is not None:
            other.kill()
            other.wait()
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--settle", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--loop", choices=("fit", "train_on_batch"), default="fit")
    parser.add_argument("--states", default=";".join(STATES),
                        help="a ;-separated subset of the states (env-pinned always runs)")
    args = parser.parse_args()
    if args.child:
        return child(args.threads, args.settle, args.loop)
    print(describe(args.threads) + f"; {args.rounds} rounds; loop: {args.loop}")
    chosen = [n for n in STATES if n in args.states.split(";") or n == "env-pinned" or
              (n == "env-pinned, contended" and "contended" in args.states)]
    results = {name: [] for name in chosen}
    names = list(chosen)
    for r in range(args.rounds):  # rotate the order each round
        for name in names[r % len(names):] + names[:r % len(names)]:
            results[name].append(run_state(name, args.threads, args.loop))
    ref = {"": results["env-pinned"], "contended": results.get("env-pinned, contended")}
    print(f"{'state':<22}{'allocator':>12}{'1st epoch img/s':>17}{'2nd epoch img/s':>17}"
          f"{'2nd vs reference':>18}")
    for name, runs in results.items():
        base = ref["contended" if "contended" in name else ""]
        first = statistics.median(12_800 / r["first"] for r in runs)
        second = statistics.median(12_800 / r["second"] for r in runs)
        ratio = statistics.median(b["second"] / r["second"] for b, r in zip(base, runs))
        print(f"{name:<22}{runs[0]['allocator']:>12}{first:>17,.0f}{second:>17,.0f}"
              f"{ratio:>17.3f}x")
    print(load_after())


if __name__ == "__main__":
    main()
