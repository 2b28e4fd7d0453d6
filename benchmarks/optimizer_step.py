"""One optimizer step on ResNet-18's parameters: nnlab's optimizer vs torch's, per kernel.

    python benchmarks/optimizer_step.py [--rounds 5] [--steps 20] [--threads 2]

The parameters are the zoo ResNet-18's (11.2 M, conv kernels stored channels_last as
nnlab stores them, and as a hand loop's ``model.to(memory_format=torch.channels_last)``
leaves them), with random gradients. Contestants, in one process, interleaved and the
order rotated every round: torch's default (the per-tensor loop a textbook loop runs),
torch ``fused=True`` (what an expert writes) and nnlab's ``build`` (fused, stepped on
contiguous views: ``nnlab/optimizers/flat_step.py``). Per round, the median of
``--steps`` timed steps; reported: the median over rounds and the paired ratio to
torch's fused kernel.
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

from bench_machine import describe, load_after, paired
from nnlab import optimizers
from nnlab.utils import allocator
from nnlab.zoo.resnet import resnet18

OPTIMIZERS = {
    "Adam": (torch.optim.Adam, {}, lambda: optimizers.Adam(1e-3)),
    "AdamW": (torch.optim.AdamW, {}, lambda: optimizers.AdamW(1e-3)),
    "SGD momentum": (torch.optim.SGD, {"momentum": 0.9}, lambda: optimizers.SGD(1e-3, momentum=0.9)),
    "Adagrad": (torch.optim.Adagrad, {}, lambda: optimizers.Adagrad(1e-3)),
}


def parameters() -> list:
    params = list(resnet18(input_shape=(64, 64, 3), num_classes=10).parameters())
    for p in params:
        p.grad = torch.randn_like(p)  # keeps each parameter's strides
    return params


def contestants(name: str) -> dict:
    torch_class, extra, spec = OPTIMIZERS[name]
    return {"torch default": lambda ps: torch_class(ps, lr=1e-3, **extra),
            "torch fused": lambda ps: torch_class(ps, lr=1e-3, fused=True, **extra),
            "nnlab": lambda ps: spec().build(ps)}


def median_step_ms(opt: torch.optim.Optimizer, steps: int) -> float:
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        opt.step()
        times.append(1e3 * (time.perf_counter() - start))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--optimizers", default=",".join(OPTIMIZERS))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    allocator.tune_malloc()
    print(describe(args.threads))
    print(f"ms per step on ResNet-18's parameters (median of {args.steps} steps per round, "
          f"{args.rounds} rounds, rotated order)")
    for name in args.optimizers.split(","):
        built = {who: make(parameters()) for who, make in contestants(name).items()}
        for opt in built.values():
            for _ in range(3):  # state created, caches warm
                opt.step()
        names = list(built)
        ms = {who: [] for who in names}
        for r in range(args.rounds):
            for who in names[r % len(names):] + names[:r % len(names)]:
                ms[who].append(median_step_ms(built[who], args.steps))
        line = "; ".join(
            f"{who} {statistics.median(ms[who]):6.2f}" +
            (f" ({paired([f / n for f, n in zip(ms['torch fused'], ms[who])])} faster than "
             f"torch fused)" if who == "nnlab" else "") for who in names)
        print(f"  {name:13} {line}")
    print(load_after())


if __name__ == "__main__":
    main()
