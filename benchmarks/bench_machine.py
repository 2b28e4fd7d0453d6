"""What every benchmark report states first: the machine and its conditions.

    from bench_machine import describe     # benchmarks/ is on sys.path when run as a script
    print(describe(threads))

CPU model, the instruction set torch's kernels use (``AVX2``, ``AVX512``, ...), torch
build, threads, CPUs, the glibc allocator state and the load average: figures measured
on different CPU kinds are never comparable, so ``docs/performance.md`` keeps one table
per kind. An AVX-512 machine can run torch's and oneDNN's AVX2 kernels
(``ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2``); the header then says so.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from typing import Callable, Dict, List, Optional, Sequence

import torch

from nnlab.utils import allocator


def cpu_model() -> str:
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def forced_isa() -> str:
    """The kernel set forced below what the CPU has (``ATEN_CPU_CAPABILITY=avx2``,
    ``ONEDNN_MAX_CPU_ISA=AVX2``: an AVX-512 machine running AVX2 kernels), or ''."""
    forced = [f"{k}={os.environ[k]}" for k in ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA")
              if os.environ.get(k)]
    return f" (forced by {' '.join(forced)})" if forced else ""


def describe(threads: int) -> str:
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    return (f"{cpu_model()}, torch cpu capability {torch.backends.cpu.get_cpu_capability()}"
            f"{forced_isa()}; "
            f"torch {torch.__version__} ({'CUDA ' + torch.version.cuda if torch.version.cuda else 'CPU build'}), "
            f"{threads} threads of {os.cpu_count()} CPUs; allocator: {allocator.malloc_state()}; "
            f"load average {load}")


def load_after() -> str:
    """The closing line of a report: the load average once the timings are done."""
    return "after: load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


def paired(ratios: Sequence[float], digits: int = 2, width: int = 0) -> str:
    """Per-round ratios as ``median x (min-max)``, the median right-aligned in ``width``."""
    return (f"{statistics.median(ratios):>{width}.{digits}f}x "
            f"({min(ratios):.{digits}f}-{max(ratios):.{digits}f})")


def fresh_process(script: str, *args: str, env: Optional[Dict[str, str]] = None) -> dict:
    """Run ``python script *args`` in a new process (``env``: variables added to this
    process's environment) and return the JSON object its last line prints: the
    ``--fresh`` mode of a benchmark, where every contestant starts with the allocator,
    caches and thread pools of a new process, as a user's script does."""
    out = subprocess.run([sys.executable, script, *args], capture_output=True, text=True,
                         check=True, env=None if env is None else {**os.environ, **env})
    return json.loads(out.stdout.strip().splitlines()[-1])


def alternating_fresh(script: str, names: Sequence[str], rounds: int,
                      args_of: Callable[[str], Sequence[str]],
                      env_of: Optional[Callable[[str], Dict[str, str]]] = None
                      ) -> Dict[str, List[dict]]:
    """``rounds`` rounds of :func:`fresh_process`, one process per contestant in
    ``names``, the order reversed every other round (drift hits all alike): each name's
    JSON results, one per round, so ``zip`` pairs the rounds."""
    got: Dict[str, List[dict]] = {name: [] for name in names}
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            got[name].append(fresh_process(script, *args_of(name),
                                           env=env_of(name) if env_of else None))
    return got
