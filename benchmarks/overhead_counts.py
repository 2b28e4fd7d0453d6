"""Work counts, not timings: what ``predict`` and ``fit`` do around the model beyond a hand loop.

Counts are exact for a given Python and torch and do not depend on machine load, so they
can be taken while other jobs run. Two counters: Python function calls (a
``sys.setprofile`` hook counting "call" events: every frame, including torch's own
Python) and aten operators (a ``TorchDispatchMode`` that sees every operator call).

- ``predict``: ``model.predict(x, batch_size=b)`` against ``hand_loop`` of
  ``benchmarks/predict_speed.py`` on the same model (LeNet-5 of the zoo on 32x32x1, and a
  tiny ``Dense(10)`` on 20 inputs). Per call at batch 1 (16 single images, as
  predict_speed) and at batch 128 (128 images, one batch); per batch by differencing 16
  and 32 single images, per call as what is left.
- ``fit``: one training step of fit_speed's dense 784-512-10 workload (batch 128), nnlab's
  ``fit`` against fit_speed's hand loop, by differencing 20- and 60-step fits (the
  per-fit work cancels); nnlab with its default (fused) optimizer kernel and with torch's
  per-tensor loop, the one the hand loop runs. ``--fit-workloads dense,resnet18`` adds the
  zoo's ResNet-18 (64x64x3, batch 32, channels_last hand loop; 6- minus 2-step fits).

    python benchmarks/overhead_counts.py [--diff] [--fit-workloads dense,resnet18]

``--diff`` also lists the operators and Python functions whose counts differ.
"""
from __future__ import annotations

import argparse
import collections
import sys

import torch
import torch.nn.functional as F

import nnlab
from nnlab.utils.op_count import CountOps
from fit_speed import nnlab_model, torch_model  # benchmarks/ is the script's folder
from nnlab.layers import Dense
from nnlab.training.progress import Progress
from predict_speed import build, hand_loop


def counts(run):
    """``(python calls by function, aten operators by name)`` of one ``run()`` after a
    warm-up call (first-call caches and lazy imports)."""
    run()
    calls = collections.Counter()

    def hook(frame, event, arg):
        if event == "call":
            code = frame.f_code
            calls[f"{code.co_filename.split('/')[-1]}:{code.co_name}"] += 1
    sys.setprofile(hook)
    try:
        run()
    finally:
        sys.setprofile(None)
    with CountOps() as ops:
        run()
    return calls, ops.ops


def total(counter) -> int:
    return sum(counter.values())


def show_diff(name: str, ours: collections.Counter, hand: collections.Counter) -> None:
    keys = sorted(set(ours) | set(hand), key=lambda k: -(ours[k] + hand[k]))
    rows = [(k, ours[k], hand[k]) for k in keys if ours[k] != hand[k]]
    print(f"    {name} that differ (nnlab, hand): " +
          ", ".join(f"{k} {o}/{h}" for k, o, h in rows[:24]))


def predict_counts(diff: bool) -> None:
    models = {"lenet5": (build("lenet5", 1)[0], (32, 32, 1)),
              "Dense(10)": (nnlab.Sequential([Dense(10, input_shape=(20,))]), (20,))}
    print("predict: Python calls / aten operators, nnlab predict vs the hand loop")
    for name, (model, shape) in models.items():
        torch.manual_seed(0)
        x16, x32, x128 = (torch.rand(n, *shape) for n in (16, 32, 128))
        res = {}
        for who, fn in (("nnlab", lambda x, b: model.predict(x, batch_size=b, verbose=0)),
                        ("hand", lambda x, b: hand_loop(model, x, b))):
            res[who] = {key: counts(lambda: fn(x, b)) for key, (x, b) in
                        {"b1x16": (x16, 1), "b1x32": (x32, 1), "b128": (x128, 128)}.items()}
        for who in ("nnlab", "hand"):
            r = res[who]
            py = [total(r[k][0]) for k in ("b1x16", "b1x32", "b128")]
            op = [total(r[k][1]) for k in ("b1x16", "b1x32", "b128")]
            per_batch_py, per_batch_op = (py[1] - py[0]) / 16, (op[1] - op[0]) / 16
            print(f"  {name:<10}{who:<6} batch 1 x16: {py[0]:>5} calls {op[0]:>4} ops | "
                  f"per batch {per_batch_py:>5.1f} calls {per_batch_op:>4.1f} ops | per call "
                  f"{py[0] - 16 * per_batch_py:>4.0f} calls {op[0] - 16 * per_batch_op:>3.0f} "
                  f"ops | batch 128 x128: {py[2]:>4} calls {op[2]:>3} ops")
        if diff:
            for key in ("b1x16", "b128"):
                show_diff(f"{name} {key} functions", res["nnlab"][key][0], res["hand"][key][0])
                show_diff(f"{name} {key} operators", res["nnlab"][key][1], res["hand"][key][1])


#: workload -> (batch, input shape HWC, the two fit lengths whose difference is counted)
FIT_WORKLOADS = {"dense": (128, (28, 28, 1), (20, 60)), "resnet18": (32, (64, 64, 3), (2, 6))}


def fit_counts(diff: bool, workload: str = "dense") -> None:
    batch, shape, (short, long) = FIT_WORKLOADS[workload]
    # Time-bound work made exact: the display and NaN-guard reads every 0.2 s are off, and
    # the guard's weight copy (at most once per 100x its cost) is taken at every chance
    # (fit's start and end), so it cancels in the difference of two fits.
    Progress.due = lambda self, now: False
    nnlab.callbacks.TerminateOnNaN._COST_FACTOR = 0.0
    torch.manual_seed(0)
    x, y = torch.rand(long * batch, *shape), torch.randint(0, 10, (long * batch,))
    conv = workload != "dense"

    def nnlab_run(kernel):
        def run(steps):
            before = nnlab.config.optimizer_kernel()
            nnlab.config.set_optimizer_kernel(kernel)
            try:
                model = runs.setdefault(kernel, nnlab_model(workload))
                if model.compiled is None:
                    model.compile("adam", "sparse_categorical_crossentropy")
                model.fit(x[:steps * batch], y[:steps * batch], batch_size=batch, verbose=0)
            finally:
                nnlab.config.set_optimizer_kernel(before)
        return run

    net = torch_model(workload).to(memory_format=torch.channels_last)
    data = x.permute(0, 3, 1, 2) if conv else x  # NHWC memory: channels_last, as fit_speed
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def hand(steps):  # fit_speed.hand_loop's epoch
        perm = torch.randperm(steps * batch)
        for i in range(0, steps * batch, batch):
            idx = perm[i:i + batch]
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(net(data[idx]), y[idx]).backward()
            opt.step()

    runs: dict = {}
    n = long - short
    print(f"\nfit, {workload}, batch {batch}: per training step ({long}- minus {short}-step "
          f"fit, / {n})")
    per_step = {}
    for who, run in (("hand loop", hand), ("nnlab (fused Adam)", nnlab_run("auto")),
                     ("nnlab (loop Adam)", nnlab_run("for-loop"))):
        (c_short, o_short), (c_long, o_long) = (counts(lambda: run(s)) for s in (short, long))
        c_long.subtract(c_short)
        o_long.subtract(o_short)
        per_step[who] = (c_long, o_long)
        print(f"  {who:<20}{total(c_long) / n:>7.2f} Python calls "
              f"{total(o_long) / n:>6.2f} aten ops")
    if diff:
        for who in ("nnlab (fused Adam)", "nnlab (loop Adam)"):
            show_diff(f"{who} operators x{n}", per_step[who][1], per_step["hand loop"][1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--diff", action="store_true", help="list the counts that differ")
    parser.add_argument("--fit-workloads", default="dense",
                        help=f"fit workloads to count, any of {','.join(FIT_WORKLOADS)}")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, Python {sys.version.split()[0]}")
    predict_counts(args.diff)
    for workload in args.fit_workloads.split(","):
        fit_counts(args.diff, workload)


if __name__ == "__main__":
    main()
