"""What resumable checkpoints cost a fit: the lecture CNN on real MNIST, without a
checkpoint folder, with epoch-end checkpoints (``checkpoint_dir``) and with step
checkpoints every N steps (``checkpoint_every``), all in one process, rounds interleaved
(order rotated), median wall seconds per fit and the ratio to the run without checkpoints.

    python benchmarks/checkpoint_cost.py [--samples 12800] [--epochs 2] [--rounds 3]
        [--every 100,20] [--threads 2]

The folder is a fresh temporary directory per fit (on the same disk as /tmp).
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import numpy as np
import torch

import nnlab
from nnlab.data import load_mnist
from nnlab.layers import Conv2D, Dense, Flatten, MaxPooling2D
from bench_machine import describe, load_after  # noqa: E402  (benchmarks/ is the script's folder)


def lecture_cnn():
    return nnlab.Sequential([
        Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)), MaxPooling2D((2, 2)),
        Conv2D(64, (3, 3), activation="relu"), MaxPooling2D((2, 2)), Flatten(),
        Dense(128, activation="relu"), Dense(10, activation="softmax")])


def one_fit(x, y, epochs, folder_kwargs) -> float:
    nnlab.set_seed(0)
    model = lecture_cnn()
    model.compile("adam", "sparse_categorical_crossentropy")
    with tempfile.TemporaryDirectory() as tmp:
        kwargs = {k: (os.path.join(tmp, "ck") if v == "DIR" else v)
                  for k, v in folder_kwargs.items()}
        start = time.perf_counter()
        model.fit(x, y, batch_size=128, epochs=epochs, verbose=0, **kwargs)
        return time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--samples", type=int, default=12800)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--every", default="100,20", help="checkpoint_every values (steps)")
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    print(describe(a.threads))
    (x, y), _ = load_mnist()
    x = (x[:a.samples, ..., None] / 255.0).astype(np.float32)
    y = y[:a.samples]
    steps = -(-a.samples // 128)
    cases = {"no checkpoints": {}, "checkpoint_dir (epoch end)": {"checkpoint_dir": "DIR"}}
    for n in (int(v) for v in a.every.split(",")):
        cases[f"checkpoint_every={n}"] = {"checkpoint_dir": "DIR", "checkpoint_every": n}
    one_fit(x[:1280], y[:1280], 1, {})  # warm-up: kernels, allocator, memory-format choice
    times = {name: [] for name in cases}
    names = list(cases)
    for r in range(a.rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            times[name].append(one_fit(x, y, a.epochs, cases[name]))
    base = statistics.median(times["no checkpoints"])
    print(f"{a.samples} images, batch 128 ({steps} steps per epoch), {a.epochs} epochs, "
          f"median of {a.rounds} rounds")
    for name in names:
        med = statistics.median(times[name])
        print(f"  {name:<28} {med:7.2f} s   {med / base:.3f}x the run without checkpoints")
    print(load_after())


if __name__ == "__main__":
    main()
