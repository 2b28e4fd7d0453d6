"""Character language model on Shakespeare: train an LSTM for a budget of ONE thread's
CPU time, print the held-out bits per character as it goes, then sample.

    OMP_NUM_THREADS=1 PYTHONPATH=src python examples/char_lm_shakespeare.py \
        [--cpu-minutes 10] [--json out.json] [--plot docs/img/text_models/char_lm_curve.png]

The budget is ``time.process_time()`` of this process (training + the periodic held-out
evaluations) with ``torch.set_num_threads(1)``: what a quiet machine would take, however
loaded this one is; wall time is printed beside it. The learning rate follows a cosine
from ``--lr`` to ``--lr / 20`` over the CPU budget.
"""
import argparse
import json
import math
import time

import numpy as np
import torch

import nnlab
from nnlab.data import load_text
from nnlab.text import CharVocabulary
from nnlab.text.char_lm import (CharLM, char_lm_windows, stream_bits_per_character,
                                word_fraction_in_vocabulary)
from nnlab.text.plots import plot_bpc_curve
from nnlab.text.sampling import sample

parser = argparse.ArgumentParser()
parser.add_argument("--cpu-minutes", type=float, default=10.0)
parser.add_argument("--units", type=int, default=256)
parser.add_argument("--layers", type=int, default=1)
parser.add_argument("--seq-len", type=int, default=100)
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument("--lr", type=float, default=4e-3)
parser.add_argument("--eval-every", type=float, default=30.0, help="CPU seconds")
parser.add_argument("--json", default=None, help="write the curve and samples here")
parser.add_argument("--plot", default=None, help="write the curve PNG here")
args = parser.parse_args()

torch.set_num_threads(1)
nnlab.set_seed(0)
text = load_text("shakespeare")
vocab = CharVocabulary.from_text(text)
(x_train, y_train), (x_val, y_val) = char_lm_windows(text, vocab, args.seq_len)
rng = np.random.default_rng(0)
probe = rng.choice(len(x_val), 400, replace=False)  # the curve's held-out sample
print(f"{len(text):,} characters, vocabulary {len(vocab)}, {len(x_train):,} training "
      f"windows of {args.seq_len}; held out: the last 10% ({x_val.size:,} characters)")

model = CharLM(len(vocab), embedding_dim=32, units=args.units, num_layers=args.layers)
model.compile(nnlab.optimizers.Adam(args.lr, clipnorm=5.0),
              nnlab.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["bits_per_character", "perplexity"])
budget, chunk, lr_min = args.cpu_minutes * 60, 20 * args.batch_size, args.lr / 20
curve, seen, last_eval, order = [], 0, -1e9, rng.permutation(len(x_train))
cpu0, wall0 = time.process_time(), time.perf_counter()
while (cpu := time.process_time() - cpu0) < budget:
    model.optimizer.learning_rate = lr_min + (args.lr - lr_min) * 0.5 * (
        1 + math.cos(math.pi * cpu / budget))
    if seen % len(order) + chunk > len(order):
        order = rng.permutation(len(x_train))  # a new epoch
    idx = order[seen % len(order):][:chunk]
    model.fit(x_train[idx], y_train[idx], batch_size=args.batch_size, epochs=1, verbose=0)
    seen += len(idx)
    if time.process_time() - cpu0 - last_eval >= args.eval_every:
        last_eval = time.process_time() - cpu0
        logs = model.evaluate(x_val[probe], y_val[probe], batch_size=200, verbose=0,
                              return_dict=True)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        curve.append({"cpu_s": round(cpu, 1), "wall_s": round(wall, 1),
                      "train_chars": seen * args.seq_len,
                      "val_bpc": round(logs["bits_per_character"], 4)})
        print(f"cpu {cpu:6.0f} s  wall {wall:6.0f} s  {seen * args.seq_len:>11,} chars  "
              f"held-out bits/char {logs['bits_per_character']:.3f}", flush=True)

cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
full = model.evaluate(x_val, y_val, batch_size=200, verbose=0, return_dict=True)
print(f"\nafter {cpu / 60:.2f} CPU min ({wall / 60:.2f} wall min), {seen * args.seq_len:,} "
      f"training chars: bits/char on the WHOLE held-out split "
      f"{full['bits_per_character']:.3f} (perplexity {full['perplexity']:.2f}; the final "
      f"evaluation took {time.process_time() - cpu0 - cpu:.1f} more CPU s)")
stream_bpc, n = stream_bits_per_character(model, vocab.encode(text[int(len(text) * 0.9):]))
print(f"as running text (states carried on, not reset every {args.seq_len} characters): "
      f"{stream_bpc:.3f} bits/char over {n:,} held-out characters")
samples = {str(t): sample(model, vocab, "ROMEO.\n", 300, temperature=t, generator=0)
           for t in (0.2, 0.5, 1.0)}
samples["greedy"] = sample(model, vocab, "ROMEO.\n", 200, greedy=True)
samples["top_k_5"] = sample(model, vocab, "ROMEO.\n", 200, top_k=5, generator=0)
print("".join(f"\n--- {name} ---\n{s}\n" for name, s in samples.items()))
frac = word_fraction_in_vocabulary(samples["0.5"], text)
print(f"\nwords of the temperature-0.5 sample found in the training text: {frac:.2f}")
if args.json:
    with open(args.json, "w") as f:
        json.dump({"args": vars(args), "curve": curve, "samples": samples,
                   "final_val_bpc": full["bits_per_character"], "final_cpu_s": cpu,
                   "final_stream_bpc": stream_bpc,
                   "final_wall_s": wall, "word_fraction_t05": frac}, f, indent=1)
if args.plot:
    plot_bpc_curve(curve, args.plot, goal=2.0)
