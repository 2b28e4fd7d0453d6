"""Character language model on Shakespeare: train an LSTM for a time budget, print the
held-out bits per character as it goes, then sample at several temperatures.

    PYTHONPATH=src python examples/char_lm_shakespeare.py [--minutes 8] [--json out.json]
"""
import argparse
import json
import time

import numpy as np

import nnlab
from nnlab.data import load_text
from nnlab.text._chars import CharVocab
from nnlab.text.char_lm import CharLM, char_lm_windows, word_fraction_in_vocabulary
from nnlab.text.sampling import sample

parser = argparse.ArgumentParser()
parser.add_argument("--minutes", type=float, default=8.0)
parser.add_argument("--units", type=int, default=256)
parser.add_argument("--layers", type=int, default=1)
parser.add_argument("--seq-len", type=int, default=64)
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--lr", type=float, default=3e-3)
parser.add_argument("--json", default=None, help="write the curve and samples here")
args = parser.parse_args()

nnlab.set_seed(0)
text = load_text("shakespeare")
vocab = CharVocab.from_texts(text)
(x_train, y_train), (x_val, y_val) = char_lm_windows(text, vocab, args.seq_len)
rng = np.random.default_rng(0)
held_out = rng.choice(len(x_val), 300, replace=False)  # ~19k held-out characters
x_val, y_val = x_val[held_out], y_val[held_out]
print(f"{len(text):,} characters, vocabulary {len(vocab)}, {len(x_train):,} training "
      f"windows of {args.seq_len}; held out: the last 10% of the corpus")

model = CharLM(len(vocab), embedding_dim=32, units=args.units, num_layers=args.layers)
model.compile(nnlab.optimizers.Adam(args.lr, clipnorm=5.0),
              nnlab.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["bits_per_character", "perplexity"])

chunk = 40 * args.batch_size  # evaluate every 40 steps
order = rng.permutation(len(x_train))
curve, start, seen = [], time.perf_counter(), 0
while time.perf_counter() - start < args.minutes * 60:
    idx = order[seen % len(order):][:chunk]
    model.fit(x_train[idx], y_train[idx], batch_size=args.batch_size, epochs=1, verbose=0)
    seen += len(idx)
    logs = model.evaluate(x_val, y_val, batch_size=100, verbose=0, return_dict=True)
    elapsed = time.perf_counter() - start
    curve.append({"seconds": round(elapsed, 1), "train_chars": seen * args.seq_len,
                  "val_bpc": round(logs["bits_per_character"], 4),
                  "val_perplexity": round(logs["perplexity"], 3)})
    print(f"{elapsed:6.0f} s  {seen * args.seq_len:>10,} chars  held-out bits/char "
          f"{logs['bits_per_character']:.3f}  perplexity {logs['perplexity']:.2f}", flush=True)

samples = {}
for t in (0.2, 0.5, 1.0):
    samples[str(t)] = sample(model, vocab, "ROMEO.\n", 300, temperature=t, generator=0)
    print(f"\n--- temperature {t} ---\n{samples[str(t)]}")
samples["greedy"] = sample(model, vocab, "ROMEO.\n", 200, greedy=True)
samples["top_k_5"] = sample(model, vocab, "ROMEO.\n", 200, top_k=5, generator=0)
print(f"\n--- greedy ---\n{samples['greedy']}\n\n--- top-5 ---\n{samples['top_k_5']}")
frac = word_fraction_in_vocabulary(samples["0.5"], text)
print(f"\nwords of the temperature-0.5 sample found in the training text: {frac:.2f}")
if args.json:
    with open(args.json, "w") as f:
        json.dump({"args": vars(args), "curve": curve, "samples": samples,
                   "word_fraction_t05": frac}, f, indent=1)
