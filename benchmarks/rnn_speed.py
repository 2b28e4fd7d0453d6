"""LSTM language-model training speed: nnlab's fit vs a hand-written PyTorch loop over
``torch.nn.LSTM``, tokens per second (batch 64, sequence 100, 2 LSTM layers of 256, a
65-symbol vocabulary as in character-level Shakespeare), in one process.

    python benchmarks/rnn_speed.py [--steps 40] [--rounds 4]

Two cases:

- ``plain``: full-length sequences; nnlab ``Embedding -> LSTM -> LSTM -> Dense`` vs
  ``nn.Embedding -> nn.LSTM(num_layers=2) -> nn.Linear``;
- ``masked``: right-padded batches (lengths 50..100, id 0 = padding); nnlab with
  ``Embedding(mask_zero=True)`` (packed sequences inside, masked loss) vs the hand-written
  loop with ``pack_padded_sequence`` and ``cross_entropy(ignore_index=0)``.

The machine is shared: each contender runs ``steps / rounds`` steps per round, rounds
alternate (so both see the same load), and the total time per contender is reported.
"""
from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import nnlab
from nnlab.layers import LSTM, Dense, Embedding
from bench_machine import describe  # noqa: E402  (benchmarks/ is the script's folder)

VOCAB, BATCH, STEPS, UNITS = 65, 64, 100, 256


class TorchLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, UNITS)
        self.lstm = nn.LSTM(UNITS, UNITS, num_layers=2, batch_first=True)
        self.out = nn.Linear(UNITS, VOCAB)

    def forward(self, x, lengths=None):
        h = self.emb(x)
        if lengths is None:
            return self.out(self.lstm(h)[0])
        packed = pack_padded_sequence(h, lengths, batch_first=True, enforce_sorted=False)
        h, _ = pad_packed_sequence(self.lstm(packed)[0], batch_first=True,
                                   total_length=x.shape[1])
        return self.out(h)


def nnlab_lm(mask: bool):
    model = nnlab.Sequential([Embedding(VOCAB, UNITS, mask_zero=mask, input_shape=(STEPS,)),
                              LSTM(UNITS, return_sequences=True),
                              LSTM(UNITS, return_sequences=True), Dense(VOCAB)])
    model.compile("adam", nnlab.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def data(n_batches: int, padded: bool):
    g = torch.Generator().manual_seed(0)
    x = torch.randint(1, VOCAB, (n_batches * BATCH, STEPS), generator=g)
    y = torch.randint(1, VOCAB, (n_batches * BATCH, STEPS), generator=g)
    lengths = torch.full((n_batches * BATCH,), STEPS)
    if padded:
        lengths = torch.randint(50, STEPS + 1, (n_batches * BATCH,), generator=g)
        pad = torch.arange(STEPS)[None, :] >= lengths[:, None]
        x[pad] = 0
        y[pad] = 0
    return x, y, lengths


def run_torch(model, opt, x, y, lengths, padded):
    for i in range(0, x.shape[0], BATCH):
        xb, yb = x[i:i + BATCH], y[i:i + BATCH]
        logits = model(xb, lengths[i:i + BATCH] if padded else None)
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), yb.reshape(-1),
                               ignore_index=0 if padded else -100)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)


def bench(case: str, steps: int, rounds: int):
    padded = case == "masked"
    per_round = steps // rounds
    x, y, lengths = data(per_round, padded)
    torch.manual_seed(0)
    tmodel = TorchLM()
    topt = torch.optim.Adam(tmodel.parameters(), 1e-3)
    nmodel = nnlab_lm(padded)
    # warm-up (one batch each)
    run_torch(tmodel, topt, x[:BATCH], y[:BATCH], lengths[:BATCH], padded)
    nmodel.fit(x[:BATCH], y[:BATCH], batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
    times = {"torch": 0.0, "nnlab": 0.0}
    for _ in range(rounds):
        t0 = time.perf_counter()
        run_torch(tmodel, topt, x, y, lengths, padded)
        times["torch"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        nmodel.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=False)
        times["nnlab"] += time.perf_counter() - t0
    tokens = per_round * rounds * BATCH * STEPS
    if padded:  # count real (unpadded) tokens only
        tokens = int(lengths.sum()) * rounds
    rates = {k: tokens / v for k, v in times.items()}
    print(f"{case:7s} hand-written torch {rates['torch']:9.0f} tokens/s   nnlab fit "
          f"{rates['nnlab']:9.0f} tokens/s   ratio {rates['nnlab'] / rates['torch']:.2f}x   "
          f"({per_round * rounds} steps each)", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--cases", default="plain,masked")
    args = parser.parse_args()
    print(describe(torch.get_num_threads()))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; batch {BATCH}, "
          f"sequence {STEPS}, 2 x LSTM({UNITS}), vocabulary {VOCAB}")
    for case in args.cases.split(","):
        bench(case, args.steps, args.rounds)


if __name__ == "__main__":
    main()
