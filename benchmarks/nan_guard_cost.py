"""What fit's NaN guard (``TerminateOnNaN``) costs per weight snapshot, per zoo model.

    python benchmarks/nan_guard_cost.py [--models resnet18,vgg16] [--repeats 10]

The guard reads every weight once to check it is finite, then copies the weights aside;
it does so at most once per ``TerminateOnNaN._COST_FACTOR`` times its own duration.
Printed per model: the check by each tensor's largest |value| (what the guard did until
round ten of issue 24), the check ``all_finite`` does now (one multi-tensor 2-norm), the
copy, a whole snapshot, and the share of the run that follows from the cost factor.
Best and median of ``--repeats`` timings, in one process.
"""
from __future__ import annotations

import argparse
import math
import statistics
import time

import torch

from bench_machine import describe, load_after
from nnlab.callbacks import TerminateOnNaN
from nnlab.callbacks.terminate_on_nan import all_finite


def _largest_value_check(tensors) -> bool:
    return bool(torch.stack([torch.linalg.vector_norm(t, math.inf).float()
                             for t in tensors]).isfinite().all())


def _ms(fn, repeats: int) -> str:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(1e3 * (time.perf_counter() - start))
    return f"{min(times):7.2f} / {statistics.median(times):7.2f}"


def model(name: str) -> torch.nn.Module:
    """Zoo model ``name`` for 10 classes; its weights do not depend on the input size
    except where a dense head follows a flatten (the 64x64 input keeps those small)."""
    from nnlab import zoo
    shape = (32, 32, 1) if name == "lenet5" else (64, 64, 3)
    return zoo.create(name, num_classes=10, input_shape=shape)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="lenet5,resnet18,vgg16")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(describe(args.threads))
    print(f"ms, best / median of {args.repeats}; share = snapshot / (snapshot x cost factor "
          f"{TerminateOnNaN._COST_FACTOR:g})")
    print(f"{'model':10} {'MB':>6} | {'largest |value|':>17} | {'all_finite':>17} | "
          f"{'copy':>17} | {'snapshot':>17} | share")
    for name in args.models.split(","):
        net = model(name)
        floats = [t.detach() for t in net.state_dict().values() if t.is_floating_point()]
        copies = [t.clone() for t in floats]
        guard = TerminateOnNaN()
        guard.set_model(net)

        def snapshot():
            guard._next_copy = 0.0
            guard._snapshot((0, 0))
        mb = sum(t.numel() * t.element_size() for t in floats) / 2**20
        print(f"{name:10} {mb:6.1f} | {_ms(lambda: _largest_value_check(floats), args.repeats)}"
              f" | {_ms(lambda: all_finite(floats), args.repeats)}"
              f" | {_ms(lambda: [c.copy_(t) for c, t in zip(copies, floats)], args.repeats)}"
              f" | {_ms(snapshot, args.repeats)} | {100 / TerminateOnNaN._COST_FACTOR:.2f} %")
    print(load_after())


if __name__ == "__main__":
    main()
