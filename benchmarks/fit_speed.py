"""nnlab's fit vs an idiomatic hand-written PyTorch loop (and Keras 3 / Lightning when
installed), on the lecture's dense net and CNN: one epoch over 60,000 random 28x28
images at batch 128, median of 3 runs, all in this one process.

    python benchmarks/fit_speed.py [--samples 60000] [--repeats 3] [--models dense,cnn,tiny]

Prints images/s per contender and the ratio nnlab / hand-written. ``tiny`` is
Dense(10) on 784 inputs: it measures per-step overhead.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("KERAS_BACKEND", "torch")  # before anything imports keras

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import nnlab
from nnlab.demo import lecture_cnn
from nnlab.layers import Dense, Flatten


def torch_model(kind: str) -> nn.Module:
    if kind == "dense":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
    if kind == "tiny":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(800, 64), nn.ReLU(), nn.Linear(64, 10))


def nnlab_model(kind: str):
    if kind == "dense":
        return nnlab.Sequential([Flatten(input_shape=(28, 28, 1)),
                                 Dense(512, activation="relu"),
                                 Dense(10, activation="softmax")])
    if kind == "tiny":
        return nnlab.Sequential([Flatten(input_shape=(28, 28, 1)),
                                 Dense(10, activation="softmax")])
    return lecture_cnn()


def run_hand_written(kind, x_nhwc, y, batch):
    x = x_nhwc.permute(0, 3, 1, 2).contiguous() if kind == "cnn" else x_nhwc
    model = torch_model(kind)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    start = time.perf_counter()
    perm = torch.randperm(len(x))
    for i in range(0, len(x), batch):
        idx = perm[i:i + batch]
        xb, yb = x[idx], y[idx]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def run_nnlab(kind, x_nhwc, y, batch):
    model = nnlab_model(kind)
    model.compile("adam", "sparse_categorical_crossentropy")
    start = time.perf_counter()
    model.fit(x_nhwc, y, batch_size=batch, epochs=1, verbose=0)
    return time.perf_counter() - start


def steady_hand_written(kind, x_nhwc, y, batch):
    """Seconds of the second epoch of the hand-written loop (set-up excluded)."""
    x = x_nhwc.permute(0, 3, 1, 2).contiguous() if kind == "cnn" else x_nhwc
    model = torch_model(kind)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    seconds = []
    for _ in range(2):
        start = time.perf_counter()
        perm = torch.randperm(len(x))
        for i in range(0, len(x), batch):
            idx = perm[i:i + batch]
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
        seconds.append(time.perf_counter() - start)
    return seconds[-1]


def steady_nnlab(kind, x_nhwc, y, batch):
    """Seconds of the second epoch of nnlab's fit, from on_epoch_begin to on_epoch_end
    (the one-time checks and set-up of fit excluded)."""
    marks = []
    clock = nnlab.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: marks.append(time.perf_counter()),
        on_epoch_end=lambda epoch, logs: marks.append(time.perf_counter()))
    model = nnlab_model(kind)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x_nhwc, y, batch_size=batch, epochs=2, verbose=0, callbacks=[clock])
    return marks[3] - marks[2]


def run_keras(kind, x_nhwc, y, batch):
    import keras
    if kind == "cnn":
        layers = [keras.Input((28, 28, 1)), keras.layers.Conv2D(32, 3, activation="relu"),
                  keras.layers.MaxPooling2D(2), keras.layers.Conv2D(32, 3, activation="relu"),
                  keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
                  keras.layers.Dense(64, activation="relu"),
                  keras.layers.Dense(10, activation="softmax")]
    else:
        hidden = [keras.layers.Dense(512, activation="relu")] if kind == "dense" else []
        layers = [keras.Input((28, 28, 1)), keras.layers.Flatten(), *hidden,
                  keras.layers.Dense(10, activation="softmax")]
    model = keras.Sequential(layers)
    model.compile("adam", "sparse_categorical_crossentropy")
    xs, ys = x_nhwc.numpy(), y.numpy()
    start = time.perf_counter()
    model.fit(xs, ys, batch_size=batch, epochs=1, verbose=0)
    return time.perf_counter() - start


def run_lightning(kind, x_nhwc, y, batch):
    import lightning as L  # noqa: N812

    class Module(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = torch_model(kind)

        def training_step(self, b, _):
            return F.cross_entropy(self.net(b[0]), b[1])

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=1e-3)

    x = x_nhwc.permute(0, 3, 1, 2).contiguous() if kind == "cnn" else x_nhwc
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=batch,
                                         shuffle=True)
    trainer = L.Trainer(max_epochs=1, enable_progress_bar=False, enable_model_summary=False,
                        logger=False, enable_checkpointing=False, accelerator="cpu")
    start = time.perf_counter()
    trainer.fit(Module(), loader)
    return time.perf_counter() - start


def available(name: str) -> bool:
    try:
        __import__(name)
        return True
    except Exception:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--models", default="dense,cnn,tiny")
    args = parser.parse_args()
    torch.manual_seed(0)
    x = torch.rand(args.samples, 28, 28, 1)
    y = torch.randint(0, 10, (args.samples,))
    contenders = {"hand-written": run_hand_written, "nnlab": run_nnlab}
    if available("keras"):
        contenders["keras3-torch"] = run_keras
    if available("lightning"):
        contenders["lightning"] = run_lightning
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{args.samples} samples, batch {args.batch}, median of {args.repeats}")
    for kind in args.models.split(","):
        times = {name: [] for name in contenders}
        run_one = {name: fn for name, fn in contenders.items()}
        run_one["nnlab"](kind, x[:args.batch * 4], y[:args.batch * 4], args.batch)  # warm-up
        run_one["hand-written"](kind, x[:args.batch * 4], y[:args.batch * 4], args.batch)
        names = list(run_one)
        for r in range(args.repeats):
            # interleaved, and the order rotates each round, so drift hits all alike
            for name in names[r % len(names):] + names[:r % len(names)]:
                times[name].append(run_one[name](kind, x, y, args.batch))
        base = statistics.median(times["hand-written"])
        steps = -(-args.samples // args.batch)
        print(f"\n{kind}: {steps} steps")
        print(f"  {'contender':<14}{'images/s':>12}{'ms/step':>10}{'vs hand-written':>18}")
        for name, ts in times.items():
            med = statistics.median(ts)
            print(f"  {name:<14}{args.samples / med:>12,.0f}{1000 * med / steps:>10.3f}"
                  f"{base / med:>17.2f}x")
        if kind == "tiny":  # per-step overhead: steady-state epochs, set-up excluded
            steady = {"hand-written": [], "nnlab": []}
            for r in range(args.repeats):
                order = [("hand-written", steady_hand_written), ("nnlab", steady_nnlab)]
                for name, fn in order[r % 2:] + order[:r % 2]:
                    steady[name].append(fn(kind, x, y, args.batch))
            hand, ours = (statistics.median(steady[k]) for k in ("hand-written", "nnlab"))
            print(f"  per-step, 2nd epoch: hand-written {1e6 * hand / steps:.0f} us, nnlab "
                  f"{1e6 * ours / steps:.0f} us: overhead {100 * (ours / hand - 1):+.1f}%")


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
