"""Count the aten operators a block of code dispatches, without timing anything.

    with CountOps() as counter:
        model.predict(x)
    counter.ops  # Counter: "aten.convolution.default" -> 2, ...

Counts are exact and do not depend on the machine's load, so they can guard a hot path
in a fast test (tests/training/test_dispatch_count.py) or compare two loops in a benchmark
(benchmarks/overhead_counts.py). A thin wrapper of torch's ``TorchDispatchMode``.
"""
from __future__ import annotations

import collections

from torch.utils._python_dispatch import TorchDispatchMode

__all__ = ["CountOps"]


class CountOps(TorchDispatchMode):
    """Every aten operator dispatched inside the ``with`` block, by name, in ``ops``."""

    def __init__(self):
        super().__init__()
        self.ops = collections.Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.ops[str(func)] += 1
        return func(*args, **(kwargs or {}))
