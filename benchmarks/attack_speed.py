"""PGD-40 speed: nnlab.adversarial.PGD vs torchattacks.PGD vs a hand-written loop.

Same model (the lecture CNN with a logits head, an nnlab ``Sequential``), the same real
MNIST test images, eps 0.3, alpha 0.01, 40 steps, no random start (so all three compute
the same images); median of ``--repeats`` runs each, interleaved (order reversed every
other round), all in this one process.

    python benchmarks/attack_speed.py [--n 256] [--repeats 5] [--threads 0] [--fresh]

Prints images/s per contender and the ratios nnlab / torchattacks and nnlab / hand loop,
as a ratio of medians and as the median (range) of the per-round ratios.

In one process, nnlab's first attack pins glibc's malloc thresholds for everyone
(``nnlab.utils.allocator``), so the peers run on the same footing. ``--fresh`` instead
runs every contender in its own new process per round (each: a warm-up call, then
``--calls`` timed ones), which is what a user's script gets: there only nnlab pins.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F

import nnlab
from nnlab.adversarial import PGD
from nnlab.data import load_mnist
from nnlab.layers import Conv2D, Dense, Flatten, MaxPooling2D
from nnlab.utils import allocator
from bench_machine import alternating_fresh, describe, paired  # noqa: E402  (benchmarks/ is the script's folder)


def hand_written(model, x, y, eps=0.3, alpha=0.01, steps=40):
    """The loop a PyTorch user writes: input gradient, signed step, clip."""
    model.eval()
    x_adv = x.clone()
    for _ in range(steps):
        x_adv.requires_grad_(True)
        loss = F.cross_entropy(model(x_adv), y)
        grad, = torch.autograd.grad(loss, x_adv)
        x_adv = torch.min(torch.max(x_adv.detach() + alpha * grad.sign(), x - eps), x + eps)
        x_adv = x_adv.clamp(0, 1)
    return x_adv


def fresh_processes(a) -> None:
    """Every contender in a new process per round, order reversed every other round."""
    import importlib.util
    names = ["nnlab", "hand-written"] + (["torchattacks"]
                                         if importlib.util.find_spec("torchattacks") else [])
    got = alternating_fresh(__file__, names, a.repeats, lambda name: (
        "--only", name, "--n", str(a.n), "--threads", str(torch.get_num_threads()),
        "--calls", str(a.calls)))
    times = {name: [statistics.median(g["seconds"]) for g in runs] for name, runs in got.items()}
    states = {name: runs[-1]["allocator"] for name, runs in got.items()}
    print(f"PGD-40, {a.n} MNIST images, each contender in its own process ({a.repeats} "
          f"processes each, median of {a.calls} calls after a warm-up in each)")
    for name, v in times.items():
        print(f"  {name:13s} {a.n / statistics.median(v):8.1f} images/s   allocator in its "
              f"process: {states[name]}")
    for peer in names[1:][::-1]:
        ratios = [p / o for p, o in zip(times[peer], times["nnlab"])]
        print(f"  nnlab / {peer} = {paired(ratios)} paired")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=256)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    p.add_argument("--fresh", action="store_true", help="each contender in its own process")
    p.add_argument("--calls", type=int, default=3, help="timed calls per fresh process")
    p.add_argument("--only", help=argparse.SUPPRESS)  # the child of --fresh
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    if not a.only:
        print(describe(torch.get_num_threads()))
    if a.fresh:
        return fresh_processes(a)
    nnlab.set_seed(0)
    _, (x, y) = load_mnist()
    x = torch.tensor(x[:a.n].reshape(-1, 28, 28, 1) / 255.0, dtype=torch.float32)
    y = torch.tensor(y[:a.n]).long()
    # The lecture CNN with a logits head: torchattacks treats outputs as logits (nnlab's
    # PGD would also take the softmax head), so every contender gets the same function.
    logits = nnlab.Sequential([
        Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)), MaxPooling2D((2, 2)),
        Conv2D(32, (3, 3), activation="relu"), MaxPooling2D((2, 2)), Flatten(),
        Dense(64, activation="relu"), Dense(10)])
    logits.eval()
    contenders = {"nnlab": lambda: PGD(logits, 0.3, 0.01, 40, random_start=False)(x, y),
                  "hand-written": lambda: hand_written(logits, x, y)}
    try:
        import torchattacks
        ta = torchattacks.PGD(logits, eps=0.3, alpha=0.01, steps=40, random_start=False)
        contenders["torchattacks"] = lambda: ta(x, y)
    except ImportError:
        print("torchattacks not installed: skipping it")
    if a.only:  # child of --fresh: warm-up, timed calls, allocator state, as JSON
        fn = contenders[a.only]
        fn()
        secs = []
        for _ in range(a.calls):
            t = time.perf_counter()
            fn()
            secs.append(time.perf_counter() - t)
        print(json.dumps({"seconds": secs, "allocator": allocator.malloc_state()}))
        return
    times = {k: [] for k in contenders}
    outs = {}
    for name, fn in contenders.items():
        outs[name] = fn()  # warm-up, and the images for the equality check
    for r in range(a.repeats):  # interleaved, order reversed every other round
        for name, fn in (list(contenders.items()) if r % 2 == 0
                         else list(contenders.items())[::-1]):
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    print(f"PGD-40, {a.n} MNIST images, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")
    speed = {k: a.n / statistics.median(v) for k, v in times.items()}
    for name, s in speed.items():
        diff = (outs[name] - outs["nnlab"]).abs().max().item()
        print(f"  {name:13s} {s:8.1f} images/s   (max |x_adv - nnlab's| = {diff:.1e})")
    for peer in ("torchattacks", "hand-written"):
        if peer in times:  # ratio of medians, and the per-round (paired) ratios' median, range
            ratios = [p / o for p, o in zip(times[peer], times["nnlab"])]
            print(f"  nnlab / {peer} = {speed['nnlab'] / speed[peer]:.2f}x   paired "
                  f"{paired(ratios)}")


if __name__ == "__main__":
    main()
