"""nnlab's fit and a hand loop, epoch by epoch inside one fit: the tightest pairing.

    python benchmarks/fit_interleaved.py [--workloads resnet18,cnn] [--pairs 12]
        [--hand fused|default] [--threads 2]

One ``fit`` of ``--pairs`` + 2 epochs; at the end of each of nnlab's epochs a callback
runs one epoch of the channels_last hand loop (``fit_speed.torch_model``, the same data,
torch's Adam: ``--hand default`` is the textbook per-tensor loop, ``fused`` the fused
kernel). Both share the process, the allocator state, the thread pool and the minute,
and each pair is adjacent in time, so a slow phase of the machine hits both. The first
two pairs are warm-up; reported: the median epoch of each and the median paired ratio
(hand seconds / nnlab seconds: above 1 means nnlab is faster) with its range.
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

import nnlab
from bench_machine import describe, load_after, paired
from fit_speed import data, is_conv, nnlab_model, one_epoch, torch_model


def hand_epoch_runner(kind: str, x: torch.Tensor, y: torch.Tensor, batch: int, fused: bool):
    """A function that trains the hand model one epoch and returns its seconds."""
    model = torch_model(kind).to(memory_format=torch.channels_last)
    inputs = x.permute(0, 3, 1, 2) if is_conv(kind) else x  # NHWC memory: channels_last
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=fused or None)
    model.train()
    return lambda: one_epoch(model, opt, inputs, y, batch)


def interleaved(kind: str, pairs: int, fused: bool) -> None:
    x, y, batch = data(kind, 1.0)
    hand_epoch = hand_epoch_runner(kind, x, y, batch, fused)
    mine, hand, began = [], [], []

    def on_begin(epoch, logs):
        began.append(time.perf_counter())

    def on_end(epoch, logs):
        mine.append(time.perf_counter() - began[-1])
        hand.append(hand_epoch())
    model = nnlab_model(kind)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=batch, epochs=pairs + 2, verbose=0, callbacks=[
        nnlab.callbacks.LambdaCallback(on_epoch_begin=on_begin, on_epoch_end=on_end)])
    mine, hand = mine[2:], hand[2:]
    print(f"  {kind:9} {len(x)} samples, batch {batch}, {pairs} pairs: nnlab "
          f"{statistics.median(mine):.3f} s, hand CL ({'fused' if fused else 'default'} "
          f"Adam) {statistics.median(hand):.3f} s per epoch; hand / nnlab "
          f"{paired([h / m for h, m in zip(hand, mine)], digits=3)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="resnet18,cnn")
    parser.add_argument("--pairs", type=int, default=12)
    parser.add_argument("--hand", choices=("fused", "default"), default="fused")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(describe(args.threads))
    for kind in args.workloads.split(","):
        interleaved(kind, args.pairs, args.hand == "fused")
    print(load_after())


if __name__ == "__main__":
    main()
