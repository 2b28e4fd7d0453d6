"""CPU seconds per 1,000 training samples of the two DCGAN recipes of docs/generative.md
(one thread, ``fit`` over random images after a warm-up): the two-layer base-64 net at
batch 128 and the deep recipe (one extra 3x3 block at 7x7 in G and D, minibatch-std,
label smoothing 0.1) at batch 64.

    OMP_NUM_THREADS=1 python benchmarks/dcgan_recipe_cost.py [--batches 40]
"""
import argparse
import time

import numpy as np
import torch

import nnlab
from nnlab.generative import dcgan
from bench_machine import describe  # noqa: E402  (benchmarks/ is the script's folder)

p = argparse.ArgumentParser()
p.add_argument("--batches", type=int, default=40, help="batches of 64 images timed")
args = p.parse_args()
torch.set_num_threads(1)
print(describe(torch.get_num_threads()))
x = np.random.default_rng(0).uniform(-1, 1, (64 * args.batches, 28, 28, 1)).astype("float32")
for name, kw, batch in (("two-layer base 64, batch 128", {}, 128),
                        ("deep (extra 1, mbstd, smooth 0.1), batch 64",
                         dict(extra_blocks=1, minibatch_std=True, label_smoothing=0.1), 64)):
    nnlab.set_seed(0)
    gan = dcgan(base=64, **kw)
    gan.fit(x[:batch * 3], epochs=1, batch_size=batch, verbose=0)  # warm-up
    c = time.process_time()
    gan.fit(x, epochs=1, batch_size=batch, verbose=0)
    cpu = time.process_time() - c
    print(f"{name}: {cpu / len(x) * 1000:.2f} s CPU per 1,000 samples "
          f"({cpu / len(x) * 60000:.0f} s per 60,000-sample epoch)", flush=True)
