"""Figures for docs/reliability.md, run by hand: python benchmarks/reliability_figures.py

1. The 300-byte crafted file asking for Dense(40000) on 40000 inputs: time and peak-RSS
   growth of load_model (refused) in a fresh process.
2. float64 data in fit: peak RSS with the float32 copy (threshold not reached) and with
   per-batch casting (threshold 0), same data, fresh process each.
3. TerminateOnNaN's weight copies: fit time on digits with and without the callback.
"""
import json
import os
import subprocess
import sys
import tempfile

SRC = os.path.join(os.path.dirname(__file__), "..", "src")

CRAFTED = """
import json, resource, sys, time, torch
from safetensors.torch import save_file
import nnlab
cfg = {"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "Dense", "config": {"units": 40000, "input_shape": [40000]}}]}}
save_file({"x": torch.zeros(1)}, sys.argv[1], metadata={"format": "nnlab-model",
          "config": json.dumps(cfg)})
import os; size = os.path.getsize(sys.argv[1])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
try:
    nnlab.load_model(sys.argv[1]); outcome = "loaded"
except Exception as e:
    outcome = type(e).__name__ + ": " + str(e)[:120]
print(json.dumps({"file_bytes": size, "seconds": time.perf_counter() - t,
                  "rss_growth_mib": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024,
                  "outcome": outcome}))
"""

FLOAT64 = """
import json, resource, sys, time, numpy as np, torch
import nnlab
from nnlab.layers import Dense
from nnlab.training import data_adapter
if sys.argv[1] == "per_batch":
    data_adapter.PER_BATCH_CAST_BYTES = 0
x = np.random.default_rng(0).random((150000, 256))   # float64, 293 MiB
y = x[:, :4].sum(1)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
model = nnlab.Sequential([Dense(8, input_shape=(256,)), Dense(1)])
model.compile("adam", "mse")
t = time.perf_counter()
model.fit(x, y, epochs=1, batch_size=1024, verbose=0)
print(json.dumps({"mode": sys.argv[1], "data_mib": x.nbytes / 2**20,
                  "fit_seconds": time.perf_counter() - t,
                  "peak_rss_growth_mib": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024}))
"""

NAN_GUARD = """
import json, sys, time, torch
from sklearn.datasets import load_digits
import nnlab
from nnlab.layers import Dense
d = load_digits(); x, y = (d.data / 16).astype("float32"), d.target
out = {}
for flag in (False, True, False, True):
    nnlab.set_seed(0)
    m = nnlab.Sequential([Dense(256, input_shape=(64,), activation="relu"), Dense(10, activation="softmax")])
    m.compile("adam", "sparse_categorical_crossentropy")
    t = time.perf_counter()
    m.fit(x, y, epochs=5, batch_size=32, verbose=0, terminate_on_nan=flag)
    out.setdefault(str(flag), []).append(time.perf_counter() - t)
print(json.dumps({k: min(v) for k, v in out.items()}))
"""


def run(code, *args):
    env = dict(os.environ, PYTHONPATH=SRC)
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, timeout=1800)
    if proc.returncode:
        raise SystemExit(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print("load average:", os.getloadavg())
    with tempfile.TemporaryDirectory() as d:
        print("crafted file:", run(CRAFTED, os.path.join(d, "evil.nnlab")))
    for mode in ("copy", "per_batch"):
        print("float64 fit:", run(FLOAT64, mode))
    print("fit seconds without/with TerminateOnNaN:", run(NAN_GUARD))
    print("load average:", os.getloadavg())
