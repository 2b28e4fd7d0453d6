"""``model.predict`` vs a hand-written ``torch.inference_mode`` loop, for one model of every
zoo family, at batch 128 (throughput) and batch 1 (latency, the deployed case).

    python benchmarks/predict_speed.py [--rounds 5] [--threads 2] [--families lenet,vgg]

Both contestants run the *same* network (the zoo model is a ``torch.nn.Module``), so the
ratio measures what ``predict`` adds around the forward passes: input checks, batching,
eval mode, the copy to numpy. The hand loop does what a PyTorch user writes::

    model.eval()
    with torch.inference_mode():
        out = torch.cat([model(x[i:i + b]) for i in range(0, n, b)]).numpy()

Rounds alternate the order; reported: median ms per call, median latency per sample at
batch 1, and the paired ratio hand / predict (>= 1 means predict is as fast).

The default run pins glibc's malloc thresholds for the whole process first
(``nnlab.utils.allocator``), so both contestants run on the same footing. ``--fresh``
instead runs each contestant in its own new process per round (a warm-up call, then
``--calls`` timed ones at each batch size): what a user's script gets, where only
``predict`` pins the thresholds.
Inputs are the smallest each family accepts among 32, 64, 96 and 128 pixels (speed of the
wrapper, not of ImageNet-sized inference), with random weights and 10 classes.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

import nnlab.zoo as zoo
from nnlab.utils import allocator
from bench_machine import alternating_fresh, describe, load_after, paired  # noqa: E402  (benchmarks/ is the script's folder)

FAMILIES = {"lenet": ("lenet5", 1), "alexnet": ("alexnet", 3), "vgg": ("vgg16", 3),
            "nin": ("nin", 3), "googlenet": ("googlenet", 3), "resnet": ("resnet18", 3),
            "densenet": ("densenet121", 3), "squeezenet": ("squeezenet1_1", 3),
            "fractalnet": ("fractalnet", 3), "inception_resnet": ("inception_resnet_small", 3),
            "efficientnet": ("efficientnet_lite0", 3)}


def build(name: str, channels: int):
    """The model at the smallest accepted input size, and that size."""
    errors = []
    for side in (32, 64, 96, 128):
        try:
            return zoo.create(name, num_classes=10, input_shape=(side, side, channels)), side
        except Exception as err:  # too small for this architecture: try the next size
            errors.append(f"{side}: {err}")
    raise RuntimeError(f"{name}: no input size worked: {errors}")


def hand_loop(model, x, batch):
    model.eval()
    with torch.inference_mode():
        return torch.cat([model(x[i:i + batch]) for i in range(0, len(x), batch)]).numpy()


def nnlab_predict(model, x, batch):
    return model.predict(x, batch_size=batch, verbose=0)


def measure(model, x, batch, rounds):
    times = {"hand": [], "predict": []}
    runs = {"hand": hand_loop, "predict": nnlab_predict}
    for name in runs:  # warm-up (first-call caches, oneDNN primitives)
        runs[name](model, x[:batch], batch)
    for r in range(rounds):
        for name in (("hand", "predict") if r % 2 == 0 else ("predict", "hand")):
            start = time.perf_counter()
            runs[name](model, x, batch)
            times[name].append(time.perf_counter() - start)
    return times


def child(args) -> None:
    """One contestant on one family in this fresh process: JSON seconds per batch size."""
    name, channels = FAMILIES[args.family]
    model, side = build(name, channels)
    run = {"hand": hand_loop, "predict": nnlab_predict}[args.only]
    torch.manual_seed(0)
    out = {}
    for batch, n in ((128, args.samples), (1, args.singles)):
        x = torch.rand(n, side, side, channels)
        run(model, x[:batch], batch)
        secs = []
        for _ in range(args.calls):
            start = time.perf_counter()
            run(model, x, batch)
            secs.append(time.perf_counter() - start)
        out[str(batch)] = statistics.median(secs)
    print(json.dumps({"seconds": out, "side": side, "allocator": allocator.malloc_state()}))


def fresh(args) -> None:
    """Each contestant in its own process per round, order alternated."""
    print(f"each contestant in its own process: {args.rounds} processes each, median of "
          f"{args.calls} calls after a warm-up in each")
    print(f"{'family':<17}{'batch':>6}{'hand ms':>10}{'predict ms':>11}{'ratio (paired)':>24}"
          f"  allocator hand / predict")
    for family in args.families.split(","):
        got = alternating_fresh(__file__, ("hand", "predict"), args.rounds, lambda who: (
            "--only", who, "--family", family, "--threads", str(args.threads), "--calls",
            str(args.calls), "--samples", str(args.samples), "--singles", str(args.singles)))
        for batch in ("128", "1"):
            hand = [g["seconds"][batch] for g in got["hand"]]
            ours = [g["seconds"][batch] for g in got["predict"]]
            ratios = [h / p for h, p in zip(hand, ours)]
            print(f"{family:<17}{batch:>6}{1000 * statistics.median(hand):>10.1f}"
                  f"{1000 * statistics.median(ours):>11.1f}{statistics.median(ratios):>11.3f}x "
                  f"({min(ratios):.3f}-{max(ratios):.3f})  {got['hand'][0]['allocator']} / "
                  f"{got['predict'][0]['allocator']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--samples", type=int, default=128, help="images per call at batch 128")
    parser.add_argument("--singles", type=int, default=16, help="images per call at batch 1")
    parser.add_argument("--fresh", action="store_true", help="each contestant in its own process")
    parser.add_argument("--calls", type=int, default=3, help="timed calls per fresh process")
    parser.add_argument("--only", help=argparse.SUPPRESS)    # the child of --fresh
    parser.add_argument("--family", help=argparse.SUPPRESS)  # the child of --fresh
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.only:
        return child(args)
    if args.fresh:
        print(describe(args.threads))
        return fresh(args)
    allocator.tune_malloc()
    print(describe(args.threads))
    print(f"{'family':<17}{'model':<23}{'input':>6}{'batch':>6}{'hand ms':>10}{'predict ms':>11}"
          f"{'latency ms/img':>15}{'ratio (paired)':>24}")
    for family in args.families.split(","):
        name, channels = FAMILIES[family]
        model, side = build(name, channels)
        torch.manual_seed(0)
        for batch, n in ((128, args.samples), (1, args.singles)):
            x = torch.rand(n, side, side, channels)
            t = measure(model, x, batch, args.rounds)
            ratios = [h / p for h, p in zip(t["hand"], t["predict"])]
            hand, ours = (1000 * statistics.median(t[k]) for k in ("hand", "predict"))
            latency = f"{ours / n:.2f}" if batch == 1 else ""
            print(f"{family:<17}{name:<23}{side:>6}{batch:>6}{hand:>10.1f}{ours:>11.1f}"
                  f"{latency:>15}{paired(ratios, 3, 11)}")
    print(load_after())


if __name__ == "__main__":
    main()
