"""Does ``precision="bf16"`` or ``jit=True`` help here? The lecture CNN and dense net,
trained by nnlab's fit with each setting, timed on their second epoch (so
``torch.compile``'s one-time compilation is not counted; it is printed separately).

    python benchmarks/precision_jit.py [--samples 12800] [--models cnn,dense]
"""
from __future__ import annotations

import argparse
import time

import torch

import nnlab
from nnlab.demo import lecture_cnn
from nnlab.layers import Dense, Flatten
from bench_machine import describe  # noqa: E402  (benchmarks/ is the script's folder)

SETTINGS = {"fp32": {}, "bf16": {"precision": "bf16"}, "jit": {"jit": True},
            "jit+bf16": {"jit": True, "precision": "bf16"}}


def build(kind: str):
    if kind == "cnn":
        return lecture_cnn()
    return nnlab.Sequential([Flatten(input_shape=(28, 28, 1)), Dense(512, activation="relu"),
                             Dense(10, activation="softmax")])


def epoch_seconds(kind: str, settings: dict, x, y, batch: int):
    marks = []
    clock = nnlab.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: marks.append(time.perf_counter()),
        on_epoch_end=lambda epoch, logs: marks.append(time.perf_counter()))
    model = build(kind)
    model.compile("adam", "sparse_categorical_crossentropy", **settings)
    model.fit(x, y, batch_size=batch, epochs=2, verbose=0, callbacks=[clock])
    return marks[1] - marks[0], marks[3] - marks[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=12_800)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--models", default="cnn,dense")
    args = parser.parse_args()
    print(describe(torch.get_num_threads()))
    torch.manual_seed(0)
    x = torch.rand(args.samples, 28, 28, 1)
    y = torch.randint(0, 10, (args.samples,))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.samples} "
          f"samples, batch {args.batch}; second-epoch time")
    for kind in args.models.split(","):
        print(f"\n{kind}:")
        base = None
        for name, settings in SETTINGS.items():
            try:
                first, second = epoch_seconds(kind, settings, x, y, args.batch)
            except Exception as exc:  # e.g. no C++ compiler for torch.compile
                print(f"  {name:<10} failed: {type(exc).__name__}: {str(exc)[:100]}")
                continue
            base = base or second
            print(f"  {name:<10}{args.samples / second:>10,.0f} images/s  "
                  f"{base / second:5.2f}x fp32   (first epoch {first:.1f}s)")


if __name__ == "__main__":
    main()
