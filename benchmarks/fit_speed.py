"""nnlab's fit vs hand-written PyTorch loops (true NCHW and channels_last), Keras 3 on the
torch backend and Lightning (when installed), in one process.

    python benchmarks/fit_speed.py [--rounds 5] [--threads 2] [--workloads dense,cnn,...]
        [--fresh] [--contestants "hand CL + scope,hand NCHW"]

Workloads: ``dense`` (784-512-10, batch 128), ``cnn`` (the lecture CNN, batch 128),
``tiny32`` / ``tiny128`` (Dense(10) on 784 inputs at batch 32 / 128: per-step overhead),
``resnet18`` (the zoo's ResNet-18 on 64x64x3, batch 32), ``resnet18_224`` (on ImageNet-sized
224x224x3 images, batch 16: its first activations, 16x64x112x112 floats = 49 MiB, are
above glibc's largest mmap threshold -- a hand loop maps and faults them in at every step,
nnlab's fit reuses them; not in the default run). Random data, Adam, cross-entropy.

Method: every contestant trains a fresh model for two epochs and only the second (steady
state) epoch is timed -- from each framework's own epoch-begin to epoch-end callback for
nnlab, Keras and Lightning, around the epoch for hand loops. A round runs every
contestant once; the order rotates each round, so drift and neighbours' load hit all
alike. Reported: median samples/s with the min-max spread over rounds, and the *paired*
ratio to the channels_last hand loop (same round, adjacent in time): median and range.
"hand CL fused Adam" is that loop with ``torch.optim.Adam(fused=True)``: nnlab's own
optimizer kernel in a hand loop, so its ratio is the most an optimizer kernel can gain
over the default loop, and nnlab's ratio to it is nnlab's own cost or gain.

The glibc allocator is pinned for every contestant before the first round (the state nnlab's
fit sets itself; see ``nnlab.utils.allocator``), and stated in the header with the load
average, so that no contestant gains or loses from what an earlier one freed.

``--fresh`` instead runs every contestant in its own new process per round (order reversed
every other round), as a user's script runs: the hand loops with glibc's default
thresholds, nnlab with what its fit sets. That is the comparison with "the loop a user
writes"; the default one-process run is the stricter one (the hand loops get nnlab's
allocator state for free).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import statistics
import time
import warnings

os.environ.setdefault("KERAS_BACKEND", "torch")  # before anything imports keras

import torch
import torch.nn.functional as F
from torch import nn

import nnlab
from nnlab.demo import lecture_cnn
from nnlab.layers import Dense, Flatten
from nnlab.utils import allocator
from bench_machine import alternating_fresh, describe, load_after, paired  # noqa: E402  (benchmarks/ is the script's folder)

#: name -> (samples per epoch, batch, input shape HWC)
WORKLOADS = {"dense": (24_000, 128, (28, 28, 1)), "cnn": (12_800, 128, (28, 28, 1)),
             "tiny32": (32_000, 32, (28, 28, 1)), "tiny128": (64_000, 128, (28, 28, 1)),
             "resnet18": (384, 32, (64, 64, 3)), "resnet18_224": (64, 16, (224, 224, 3))}
DEFAULT = "dense,cnn,tiny32,tiny128,resnet18"


# ----------------------------------------------------------------- the models
def _hand_block(cin: int, cout: int, stride: int) -> nn.Module:
    class Basic(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.b1 = nn.BatchNorm2d(cout)
            self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.b2 = nn.BatchNorm2d(cout)
            self.short = None if stride == 1 and cin == cout else nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            r = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
            return F.relu(r + (x if self.short is None else self.short(x)))
    return Basic()


def torch_model(kind: str) -> nn.Module:
    """The hand-written twin of each nnlab model (same layers, same sizes)."""
    if kind == "dense":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
    if kind.startswith("tiny"):
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    if kind == "cnn":
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(800, 64), nn.ReLU(), nn.Linear(64, 10))
    layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
              nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for s, width in enumerate((64, 128, 256, 512)):
        for b in range(2):
            layers.append(_hand_block(cin, width, 2 if b == 0 and s else 1))
            cin = width
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 10))


def nnlab_model(kind: str):
    if kind == "cnn":
        return lecture_cnn()
    if kind.startswith("resnet18"):
        from nnlab.zoo.resnet import resnet18
        return resnet18(input_shape=WORKLOADS[kind][2], num_classes=10)
    hidden = [Dense(512, activation="relu")] if kind == "dense" else []
    return nnlab.Sequential([Flatten(input_shape=(28, 28, 1)), *hidden,
                             Dense(10, activation="softmax")])


def is_conv(kind: str) -> bool:
    return kind in ("cnn", "resnet18", "resnet18_224")


# ------------------------------------------------------------ the contestants
def hand_loop(layout: str, fused: bool = False, scoped: bool = False):
    """A hand loop; ``layout`` 'nchw' (contiguous tensors and weights: what a textbook loop
    does) or 'channels_last' (weights and inputs channels_last: what oneDNN prefers).
    ``fused``: torch's fused Adam kernel instead of its default per-tensor loop -- the loop
    an expert writes, and the ceiling of what an optimizer kernel alone can gain.
    ``scoped``: the loop inside ``nnlab.utils.allocator.reuse_large_blocks(model)``, the
    one line a user adds to give their own loop the allocator state nnlab's fit runs in."""
    def run(kind, x, y, batch):
        model = torch_model(kind)
        if layout == "channels_last":
            model = model.to(memory_format=torch.channels_last)
            data = x.permute(0, 3, 1, 2) if is_conv(kind) else x  # NHWC memory: channels_last
        else:  # clone: for 1-channel images a permuted view already *is* channels_last
            data = x.permute(0, 3, 1, 2).clone(memory_format=torch.contiguous_format) \
                if is_conv(kind) else x
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=fused or None)
        model.train()
        with allocator.reuse_large_blocks(model) if scoped else contextlib.nullcontext():
            return two_epochs(model, opt, data, y, batch)
    return run


def one_epoch(model, opt, data, y, batch) -> float:
    """One epoch of the hand loop (shuffled batches, cross-entropy); its seconds."""
    start = time.perf_counter()
    perm = torch.randperm(len(data))
    for i in range(0, len(data), batch):
        idx = perm[i:i + batch]
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(data[idx]), y[idx]).backward()
        opt.step()
    return time.perf_counter() - start


def two_epochs(model, opt, data, y, batch) -> float:
    """The hand loop's two epochs; returns the seconds of the second."""
    one_epoch(model, opt, data, y, batch)
    return one_epoch(model, opt, data, y, batch)


def run_nnlab(kind, x, y, batch):
    marks = []
    clock = nnlab.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: marks.append(time.perf_counter()),
        on_epoch_end=lambda epoch, logs: marks.append(time.perf_counter()))
    model = nnlab_model(kind)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=batch, epochs=2, verbose=0, callbacks=[clock])
    return marks[3] - marks[2]


def run_nnlab_loop_kernel(kind, x, y, batch):
    """nnlab with torch's per-tensor optimizer loop (what the hand loops run), to show
    what the fused kernel adds (``nnlab.config.set_optimizer_kernel``)."""
    before = nnlab.config.optimizer_kernel()
    nnlab.config.set_optimizer_kernel("for-loop")
    try:
        return run_nnlab(kind, x, y, batch)
    finally:
        nnlab.config.set_optimizer_kernel(before)


def run_keras(kind, x, y, batch):
    import keras
    from keras import layers as K
    if kind == "cnn":
        stack = [K.Conv2D(32, 3, activation="relu"), K.MaxPooling2D(2),
                 K.Conv2D(32, 3, activation="relu"), K.MaxPooling2D(2), K.Flatten(),
                 K.Dense(64, activation="relu")]
    else:
        stack = [K.Flatten()] + ([K.Dense(512, activation="relu")] if kind == "dense" else [])
    model = keras.Sequential([keras.Input(x.shape[1:]), *stack,
                              K.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    marks = []
    clock = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: marks.append(time.perf_counter()),
        on_epoch_end=lambda epoch, logs: marks.append(time.perf_counter()))
    model.fit(x.numpy(), y.numpy(), batch_size=batch, epochs=2, verbose=0, callbacks=[clock])
    return marks[3] - marks[2]


def run_lightning(kind, x, y, batch):
    import lightning as L  # noqa: N812

    class Module(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = torch_model(kind).to(memory_format=torch.channels_last)

        def training_step(self, b, _):
            return F.cross_entropy(self.net(b[0]), b[1])

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=1e-3)

    marks = []

    class Clock(L.Callback):
        def on_train_epoch_start(self, *_):
            marks.append(time.perf_counter())

        def on_train_epoch_end(self, *_):
            marks.append(time.perf_counter())

    data = x.permute(0, 3, 1, 2) if is_conv(kind) else x
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(data, y),
                                         batch_size=batch, shuffle=True)
    trainer = L.Trainer(max_epochs=2, enable_progress_bar=False, enable_model_summary=False,
                        logger=False, enable_checkpointing=False, accelerator="cpu",
                        callbacks=[Clock()])
    trainer.fit(Module(), loader)
    return marks[3] - marks[2]


def available(name: str) -> bool:
    try:
        __import__(name)
        return True
    except Exception:
        return False


def contestants(kind: str, peers: bool, fresh: bool = False) -> dict:
    """name -> run(kind, x, y, batch) giving seconds; ``fresh`` adds the hand loop inside
    nnlab's allocator scope (in one process every contestant already runs pinned)."""
    out = {"hand channels_last": hand_loop("channels_last"), "nnlab": run_nnlab,
           "nnlab for-loop opt": run_nnlab_loop_kernel,
           "hand CL fused Adam": hand_loop("channels_last", fused=True)}
    if fresh:
        out["hand CL + scope"] = hand_loop("channels_last", scoped=True)
    if is_conv(kind):
        out["hand NCHW"] = hand_loop("nchw")
    if peers and not kind.startswith("resnet18") and available("keras"):
        out["keras3-torch"] = run_keras
    if peers and available("lightning"):
        out["lightning"] = run_lightning
    return out


# ------------------------------------------------------------------ reporting
def report(kind: str, times: dict, samples: int, batch: int) -> None:
    base = times["hand channels_last"]
    print(f"\n{kind}: {samples} samples/epoch, batch {batch}, {-(-samples // batch)} steps "
          f"(2nd epoch of each run; {len(base)} rounds)")
    print(f"  {'contestant':<20}{'samples/s':>11}{'spread':>19}{'vs hand CL (paired)':>26}")
    for name, ts in times.items():
        rates = [samples / t for t in ts]
        ratios = [b / t for b, t in zip(base, ts)]
        print(f"  {name:<20}{statistics.median(rates):>11,.0f}"
              f"{f'{min(rates):,.0f}-{max(rates):,.0f}':>19}"
              f"{paired(ratios, 3, 12)}")
    textbook = times.get("hand NCHW", base)  # dense/tiny: no images, the CL loop *is* NCHW
    print(f"  nnlab / textbook loop (hand NCHW, default Adam), paired: "
          f"{paired([h / n for h, n in zip(textbook, times['nnlab'])], 3)}")
    if "hand CL + scope" in times:  # the same allocator state as nnlab's fit, own process
        print(f"  nnlab / hand CL + scope, paired: "
              f"{paired([h / n for h, n in zip(times['hand CL + scope'], times['nnlab'])], 3)}")
    if kind.startswith("tiny"):
        steps = -(-samples // batch)
        for name in [n for n in ("nnlab", "nnlab for-loop opt") if n in times]:
            hand, ours = base, times[name]
            over = [o / h - 1 for h, o in zip(hand, ours)]
            print(f"  per step ({name}): hand {1e6 * statistics.median(hand) / steps:.0f} us, "
                  f"nnlab {1e6 * statistics.median(ours) / steps:.0f} us; overhead (paired) "
                  f"{100 * statistics.median(over):+.1f}% ({100 * min(over):+.1f}..."
                  f"{100 * max(over):+.1f}%)")


#: every contestant name ``contestants`` can give (some only for conv workloads, peers, --fresh)
KNOWN = ("hand channels_last", "nnlab", "nnlab for-loop opt", "hand CL fused Adam",
         "hand CL + scope", "hand NCHW", "keras3-torch", "lightning")


def chosen(runs: dict, wanted: str) -> list:
    """The contestants to run: all, or the comma-separated ``wanted`` ones this workload
    has, plus the two every report compares (the channels_last hand loop and nnlab)."""
    if not wanted:
        return list(runs)
    keep = {"hand channels_last", "nnlab", *wanted.split(",")}
    unknown = keep - set(KNOWN)
    if unknown:
        raise SystemExit(f"--contestants: unknown {sorted(unknown)}; known: {list(KNOWN)}")
    return [name for name in runs if name in keep]


def data(kind: str, scale: float):
    """Seeded random images and labels of ``kind``'s workload, and its batch size."""
    samples, batch, shape = WORKLOADS[kind]
    samples = max(batch * 4, int(samples * scale))
    torch.manual_seed(0)
    return torch.rand(samples, *shape), torch.randint(0, 10, (samples,)), batch


def child(args) -> None:
    """One contestant on one workload in this fresh process: JSON seconds of epoch two."""
    x, y, batch = data(args.workloads, args.scale)
    peer = args.only in ("keras3-torch", "lightning")  # a hand loop's process imports no peer
    seconds = contestants(args.workloads, peer, fresh=True)[args.only](args.workloads, x, y,
                                                                       batch)
    print(json.dumps({"seconds": seconds, "allocator": allocator.malloc_state()}))


def fresh(args) -> None:
    """Every contestant in its own process per round, the order reversed every other round."""
    print(f"each contestant in its own process ({args.rounds} each): the hand loops keep "
          f"glibc's default thresholds, as a user's script does")
    for kind in args.workloads.split(","):
        x, _, batch = data(kind, args.scale)
        names = chosen(contestants(kind, not args.no_peers, fresh=True), args.contestants)
        got = alternating_fresh(__file__, names, args.rounds, lambda who: (
            "--only", who, "--workloads", kind, "--threads", str(args.threads),
            "--scale", str(args.scale)))
        report(kind, {n: [g["seconds"] for g in got[n]] for n in names}, len(x), batch)
        print("  allocator at the end: " + "; ".join(
            f"{n} {got[n][0]['allocator']}" for n in ("hand channels_last", "nnlab")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workloads", default=DEFAULT, help=f"any of {','.join(WORKLOADS)}")
    parser.add_argument("--no-peers", action="store_true", help="skip Keras and Lightning")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply samples per epoch")
    parser.add_argument("--fresh", action="store_true", help="each contestant in its own process")
    parser.add_argument("--contestants", default="",
                        help="comma-separated subset (the CL hand loop and nnlab always run)")
    parser.add_argument("--only", help=argparse.SUPPRESS)  # the child of --fresh
    args = parser.parse_args()
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    torch.set_num_threads(args.threads)
    if args.only:
        return child(args)
    if not args.fresh:
        allocator.tune_malloc()  # the same allocator state for every contestant
    print(describe(args.threads))
    if args.fresh:
        fresh(args)
        print("\n" + load_after())
        return
    for kind in args.workloads.split(","):
        x, y, batch = data(kind, args.scale)
        samples = len(x)
        runs = contestants(kind, not args.no_peers)
        names = chosen(runs, args.contestants)
        times = {name: [] for name in names}
        for r in range(args.rounds):
            for name in names[r % len(names):] + names[:r % len(names)]:
                times[name].append(runs[name](kind, x, y, batch))
        report(kind, times, samples, batch)
    print("\n" + load_after())


if __name__ == "__main__":
    main()
