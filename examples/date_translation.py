"""Human-readable dates -> ISO dates with an attentive encoder-decoder; greedy vs beam
search on held-out dates, and an attention heat map.

    PYTHONPATH=src python examples/date_translation.py [--epochs 6] [--png attention.png]
"""
import argparse
import time

import numpy as np
import torch

import nnlab
from nnlab.text import CharVocabulary
from nnlab.text.dates import date_splits
from nnlab.text.decoding import beam_search, greedy_decode
from nnlab.text.plots import plot_attention
from nnlab.text.seq2seq import Seq2Seq, teacher_forcing_pairs

parser = argparse.ArgumentParser()
parser.add_argument("--train", type=int, default=20000)
parser.add_argument("--test", type=int, default=2000)
parser.add_argument("--epochs", type=int, default=6)
parser.add_argument("--attention", default="bahdanau", choices=["bahdanau", "dot", "general"])
parser.add_argument("--cell", default="lstm", choices=["lstm", "gru"])
parser.add_argument("--png", default="date_attention.png")
args = parser.parse_args()

nnlab.set_seed(0)
(x_train, y_train), (x_test, y_test) = date_splits(args.train, args.test, seed=0)
src_vocab, tgt_vocab = CharVocabulary.from_text(x_train), CharVocabulary(list("0123456789-"))
length = max(map(len, x_train + x_test))
src_train = torch.as_tensor(src_vocab.encode_batch(x_train, length))
src_test = torch.as_tensor(src_vocab.encode_batch(x_test, length))
tgt_in, tgt_out = teacher_forcing_pairs(tgt_vocab.encode_batch(y_train))
print(f"{len(x_train)} training pairs, {len(x_test)} test pairs on held-out dates, "
      f"{len(src_vocab)} source characters; e.g. {x_train[0]!r} -> {y_train[0]}")

model = Seq2Seq(len(src_vocab), len(tgt_vocab), embedding_dim=32, units=64,
                cell=args.cell, attention=args.attention)
model.compile(nnlab.optimizers.Adam(3e-3, clipnorm=5.0),
              nnlab.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])


def exact(decoded):
    return float(np.mean([tgt_vocab.decode(t) == y for t, y in zip(decoded.tokens, y_test)]))


start = time.perf_counter()
for epoch in range(args.epochs):
    logs = model.fit([src_train, tgt_in], tgt_out, batch_size=64, epochs=1, verbose=0)
    greedy = greedy_decode(model, src_test, max_len=12)
    print(f"epoch {epoch + 1}  {time.perf_counter() - start:5.0f} s  loss "
          f"{logs.history['loss'][-1]:.4f}  held-out exact match (greedy) {exact(greedy):.4f}",
          flush=True)

t0 = time.perf_counter()
greedy = greedy_decode(model, src_test, max_len=12)
t1 = time.perf_counter()
beam = beam_search(model, src_test, beam_width=5, max_len=12)
t2 = time.perf_counter()
print(f"held-out exact match: greedy {exact(greedy):.4f} ({len(x_test) / (t1 - t0):.0f} "
      f"sentences/s), beam-5 {exact(beam):.4f} ({len(x_test) / (t2 - t1):.0f} sentences/s)")
for i in range(6):
    print(f"  {x_test[i]!r:34} -> greedy {tgt_vocab.decode(greedy.tokens[i])}  "
          f"beam {tgt_vocab.decode(beam.tokens[i])}  (true {y_test[i]})")
i = max(range(len(x_test)), key=lambda j: len(x_test[j]) if x_test[j][0].isalpha() else 0)
out = tgt_vocab.decode(beam.tokens[i])
plot_attention(beam.attention[i], list(x_test[i]), list(out) + ["<eos>"], args.png,
               title=f"{x_test[i]} -> {out} ({args.attention})")
print(f"attention heat map written to {args.png}")
