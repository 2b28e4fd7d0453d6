"""NMS speed: nnlab.vision.nms vs a numpy reference vs a naive torch loop (run by hand).

    PYTHONPATH=src python benchmarks/nms_speed.py
Each is run once per size (the machine is shared; see docs/vision.md for the load).
"""
import time

import numpy as np
import torch

from nnlab.vision import nms
from bench_machine import describe  # noqa: E402  (benchmarks/ is the script's folder)


def numpy_nms(b, s, thr):
    """Greedy NMS, one vectorised IoU row per kept box."""
    order = np.lexsort((np.arange(len(s)), -s))
    keep = []
    while order.size:
        i, rest = order[0], order[1:]
        keep.append(i)
        iw = np.clip(np.minimum(b[i, 2], b[rest, 2]) - np.maximum(b[i, 0], b[rest, 0]), 0, None)
        ih = np.clip(np.minimum(b[i, 3], b[rest, 3]) - np.maximum(b[i, 1], b[rest, 1]), 0, None)
        inter = iw * ih
        union = (b[i, 2] - b[i, 0]) * (b[i, 3] - b[i, 1]) + \
            (b[rest, 2] - b[rest, 0]) * (b[rest, 3] - b[rest, 1]) - inter
        order = rest[inter / union <= thr]
    return keep


def naive_torch_nms(b, s, thr):
    """Python loop over every box, comparing with each kept box one at a time."""
    keep = []
    for i in torch.sort(s, descending=True, stable=True).indices.tolist():
        ok = True
        for k in keep:
            iw = (torch.minimum(b[i, 2], b[k, 2]) - torch.maximum(b[i, 0], b[k, 0])).clamp(min=0)
            ih = (torch.minimum(b[i, 3], b[k, 3]) - torch.maximum(b[i, 1], b[k, 1])).clamp(min=0)
            inter = iw * ih
            union = (b[i, 2:] - b[i, :2]).prod() + (b[k, 2:] - b[k, :2]).prod() - inter
            if inter / union > thr:
                ok = False
                break
        if ok:
            keep.append(i)
    return keep


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, len(out)


rng = np.random.default_rng(0)
print(describe(torch.get_num_threads()))
for n in (1000, 10000):
    xy = rng.uniform(0, 200 * (n / 1000) ** 0.5, (n, 2))
    b = np.c_[xy, xy + rng.uniform(1, 50, (n, 2))]
    s = rng.uniform(size=n)
    tb, ts = torch.tensor(b), torch.tensor(s)
    rows = [("nnlab.vision.nms", *timed(nms, tb, ts, 0.5)),
            ("numpy reference", *timed(numpy_nms, b, s, 0.5))]
    if n <= 1000:
        rows.append(("naive torch loop", *timed(naive_torch_nms, tb, ts, 0.5)))
    for name, sec, kept in rows:
        print(f"n={n:>6}  {name:<18} {sec * 1000:9.1f} ms  kept {kept}")
