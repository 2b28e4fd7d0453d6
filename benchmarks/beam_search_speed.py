"""Beam search (width 5) vs greedy decoding on 1,000 held-out dates: sentences/s.

Trains the date translator of ``examples/date_translation.py`` briefly (so beams end
with EOS as a trained model's do), then decodes the same 1,000 held-out dates with
greedy search and batched beam search, in batches of ``--batch`` sentences, median of
``--repeats`` runs.

    PYTHONPATH=src python benchmarks/beam_search_speed.py [--epochs 2] [--batch 1000]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import torch

import nnlab
from nnlab.text import CharVocabulary
from nnlab.text.dates import date_splits
from nnlab.text.decoding import beam_search, greedy_decode
from nnlab.text.seq2seq import Seq2Seq, teacher_forcing_pairs
from bench_machine import describe  # noqa: E402  (benchmarks/ is the script's folder)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(describe(torch.get_num_threads()))
    nnlab.set_seed(0)
    (a, b), (c, d) = date_splits(10000, 1000, seed=0)
    src, tgt = CharVocabulary.from_text(a + c), CharVocabulary(list("0123456789-"))
    length = max(map(len, a + c))
    tin, tout = teacher_forcing_pairs(tgt.encode_batch(b))
    model = Seq2Seq(len(src), len(tgt), 32, 64)
    model.compile(nnlab.optimizers.Adam(3e-3, clipnorm=5.0),
                  nnlab.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit([torch.as_tensor(src.encode_batch(a, length)), tin], tout, batch_size=64,
              epochs=args.epochs, verbose=0)
    x = torch.as_tensor(src.encode_batch(c, length))

    def run(fn):
        times, out = [], None
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            parts = [fn(x[i:i + args.batch]) for i in range(0, len(x), args.batch)]
            times.append(time.perf_counter() - t0)
            out = [t for p in parts for t in p.tokens]
        acc = float(np.mean([tgt.decode(t) == y for t, y in zip(out, d)]))
        return len(x) / statistics.median(times), acc

    g, g_acc = run(lambda s: greedy_decode(model, s, 12))
    bm, b_acc = run(lambda s: beam_search(model, s, 5, 12))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), "
          f"load average {os.getloadavg()[0]:.1f}; batch {args.batch}, "
          f"{args.epochs} training epochs")
    print(f"greedy      {g:8.0f} sentences/s  exact match {g_acc:.4f}")
    print(f"beam-5      {bm:8.0f} sentences/s  exact match {b_acc:.4f}  "
          f"ratio beam/greedy {bm / g:.2f}")


if __name__ == "__main__":
    main()
