"""What serving activations above 32 MiB from the heap is worth: nnlab with
``reuse_large_blocks`` on (default) against the same code with it off
(``NNLAB_LARGE_BLOCK_REUSE=0``; glibc's thresholds pinned either way), each mode in its own
new process per round, order alternated.

    python benchmarks/large_blocks.py [--rounds 3] [--calls 3] [--workloads ig,predict,fit,detector]

Workloads (the first three with blocks above glibc's 32 MiB mmap maximum):

- ``ig``: ``IntegratedGradients`` on EfficientNet-Lite0 at 224x224, 2 images x 32 steps
  (one 64-image batch through the network and back).
- ``predict``: ``predict`` of FractalNet on 128 images of 32x32 at batch 128.
- ``fit``: one epoch of ResNet-18 on 64 images of 224x224 at batch 16 (4 steps).
- ``detector``: one epoch of ``nnlab.vision.train_detector`` on 512 digit canvases of
  64x64 at batch 64 (8 steps). Its largest activations, 64x16x64x64 floats, are 16 MiB:
  a control, where the scope should change nothing.

Reported per mode: median seconds per call (after one warm-up call), minor page faults
per call (``ru_minflt``) and the process's peak RSS; then the paired ratio off / on.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import time

import torch

from bench_machine import alternating_fresh, describe, load_after, paired  # noqa: E402  (benchmarks/ is the script's folder)


def workload(name: str):
    """A callable running one call of the workload (model built, inputs made)."""
    from nnlab import zoo
    torch.manual_seed(0)
    if name == "ig":
        from nnlab.interpret import IntegratedGradients
        model = zoo.create("efficientnet_lite0", num_classes=10, input_shape=(224, 224, 3))
        ig, x = IntegratedGradients(model.eval()), torch.rand(2, 224, 224, 3)
        return lambda: ig.attribute(x, target=3, n_steps=32)
    if name == "predict":
        model = zoo.create("fractalnet", num_classes=10, input_shape=(32, 32, 3))
        x = torch.rand(128, 32, 32, 3)
        return lambda: model.predict(x, batch_size=128, verbose=0)
    if name == "fit":
        model = zoo.create("resnet18", num_classes=10, input_shape=(224, 224, 3))
        model.compile("adam", "sparse_categorical_crossentropy")
        x, y = torch.rand(64, 224, 224, 3).numpy(), torch.randint(0, 10, (64,)).numpy()
        return lambda: model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    if name == "detector":
        from nnlab.vision.canvas_data import make_digit_canvases
        from nnlab.vision.train_detector import train_detector
        data = make_digit_canvases(512, seed=0)
        return lambda: train_detector(data, epochs=1, batch_size=64)
    raise ValueError(f"unknown workload {name!r}")


def child(args) -> None:
    """One mode of one workload in this fresh process: JSON with the figures."""
    run = workload(args.workload)
    run()  # warm-up: oneDNN primitives, the memory-format choice, the heap's growth
    secs, faults = [], []
    for _ in range(args.calls):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        start = time.perf_counter()
        run()
        secs.append(time.perf_counter() - start)
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"seconds": statistics.median(secs), "faults": statistics.median(faults),
                      "peak_mib": peak}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workloads", default="ig,predict,fit,detector")
    parser.add_argument("--workload", help=argparse.SUPPRESS)  # the child
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.workload:
        return child(args)
    print(describe(args.threads))
    print(f"a new process per mode and round: {args.rounds} rounds, median of {args.calls} "
          f"calls after a warm-up")
    print(f"{'workload':<9}{'mode':<5}{'s/call':>9}{'faults/call':>13}{'peak MiB':>10}"
          f"{'off / on (paired)':>28}")
    for name in args.workloads.split(","):
        got = alternating_fresh(
            __file__, ("on", "off"), args.rounds,
            lambda mode: ("--workload", name, "--calls", str(args.calls), "--threads",
                          str(args.threads)),
            env_of=lambda mode: {"NNLAB_LARGE_BLOCK_REUSE": "1" if mode == "on" else "0"})
        ratios = [off["seconds"] / on["seconds"] for on, off in zip(got["on"], got["off"])]
        for mode in ("on", "off"):
            runs = got[mode]
            ratio = paired(ratios, width=11) if mode == "on" else ""
            print(f"{name:<9}{mode:<5}{statistics.median(r['seconds'] for r in runs):>9.3f}"
                  f"{statistics.median(r['faults'] for r in runs):>13,.0f}"
                  f"{max(r['peak_mib'] for r in runs):>10,.0f}{ratio:>28}")
    print(load_after())


if __name__ == "__main__":
    main()
