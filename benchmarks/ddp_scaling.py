"""Samples/s of data-parallel fit with 1 and 2 gloo processes on this machine (run by
hand): PYTHONPATH=src python benchmarks/ddp_scaling.py"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))

from ddp_train import train  # noqa: E402

from nnlab.distributed import launch  # noqa: E402

if __name__ == "__main__":
    print("uptime:", os.popen("uptime").read().strip())
    for n in (1, 2):
        results = launch(train, nprocs=n)
        print(f"nprocs={n}: {results[0][0]:,.0f} samples/s (total), test acc {results[0][1]:.2%}")
