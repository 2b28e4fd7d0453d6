"""PGD: operator counts of nnlab's attack vs the hand-written loop of attack_speed.py.

Counts, not timings (a loaded machine cannot spoil them): ``torch.profiler`` records every
aten operator of one ``PGD(model, 0.3, 0.01, steps, random_start=False)`` call and of
``hand_written(model, x, y, steps)`` on the same lecture CNN and images, and prints the
operators whose counts differ. Run at two step counts, the difference of the two tells
per-step work from per-call work.

    python benchmarks/attack_op_counts.py [--steps 4 8] [--n 16]
"""
from __future__ import annotations

import argparse
import collections

import torch
from attack_speed import hand_written  # benchmarks/ is the script's folder
from torch.profiler import ProfilerActivity, profile

import nnlab
from nnlab.adversarial import PGD
from nnlab.layers import Conv2D, Dense, Flatten, MaxPooling2D


def op_counts(fn):
    """``(Counter of operator name -> calls, fn's result)`` for one call after a warm-up."""
    fn()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        out = fn()
    return collections.Counter({e.key: e.count for e in prof.key_averages()}), out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, nargs="+", default=[4, 8])
    p.add_argument("--n", type=int, default=16)
    a = p.parse_args()
    torch.set_num_threads(1)
    nnlab.set_seed(0)
    x, y = torch.rand(a.n, 28, 28, 1), torch.randint(0, 10, (a.n,))
    model = nnlab.Sequential([
        Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)), MaxPooling2D((2, 2)),
        Conv2D(32, (3, 3), activation="relu"), MaxPooling2D((2, 2)), Flatten(),
        Dense(64, activation="relu"), Dense(10)]).eval()
    totals = {}
    for steps in a.steps:
        ours, x_ours = op_counts(lambda: PGD(model, 0.3, 0.01, steps, random_start=False)(x, y))
        hand, x_hand = op_counts(lambda: hand_written(model, x, y, steps=steps))
        aten = [sum(v for k, v in c.items() if k.startswith("aten::")) for c in (ours, hand)]
        totals[steps] = aten
        print(f"\n{steps} steps: images equal {torch.equal(x_ours, x_hand)}; aten operators "
              f"nnlab {aten[0]}, hand loop {aten[1]}")
        print(f"{'operator (counts that differ)':<40}{'nnlab':>7}{'hand':>7}")
        for k in sorted(set(ours) | set(hand), key=lambda k: -(ours[k] + hand[k])):
            if ours[k] != hand[k]:
                print(f"{k:<40}{ours[k]:>7}{hand[k]:>7}")
    if len(totals) >= 2:
        (s0, (o0, h0)), (s1, (o1, h1)) = sorted(totals.items())[:2]
        print(f"\nper step: nnlab {(o1 - o0) / (s1 - s0):.1f} aten operators, hand loop "
              f"{(h1 - h0) / (s1 - s0):.1f}; per call: nnlab "
              f"{o0 - s0 * (o1 - o0) / (s1 - s0):.0f}, hand loop "
              f"{h0 - s0 * (h1 - h0) / (s1 - s0):.0f}")


if __name__ == "__main__":
    main()
