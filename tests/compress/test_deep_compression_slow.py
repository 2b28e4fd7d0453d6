"""Slow: Han et al.'s LeNet-5 figure (39x at <= 0.8% error) reproduced by
examples/deep_compression_lenet.py, the size being the compact file's real bytes."""
import os
import runpy

import pytest

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples",
                       "deep_compression_lenet.py")
FLAGS = ["--model", "lenet5", "--epochs", "15", "--decay", "0.85", "--prune-steps", "4",
         "--prune-every", "2", "--prune-epochs", "12", "--quant-epochs", "3", "--ft-lr", "5e-4",
         "--quant-lr", "5e-5", "--fc-bits", "4"]


@pytest.mark.slow
def test_lenet5_deep_compression_39x_at_most_08_percent_error(tmp_path):
    """The docs/efficient.md recipe: about 15 minutes of one thread's CPU."""
    main = runpy.run_path(EXAMPLE, run_name="nnlab_example")["main"]
    path = str(tmp_path / "lenet5.nnlabz")
    r = main(FLAGS + ["--out", path])
    assert r["file_bytes"] == os.path.getsize(path)
    assert r["ratio"] >= 39.0 and r["error"] <= 0.008, r
