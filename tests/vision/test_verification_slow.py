"""Slow: verification of unseen digits 7-9 (examples/vision_verification.py) at the level
docs/vision.md reports: 77.4% at the threshold chosen on digits 0-6, AUC 0.853 (the
issue's goal, 90%, is NOT reached)."""
import os
import runpy

import pytest
import torch


@pytest.mark.slow
def test_softmax_pretraining_then_triplet_verifies_unseen_digits():
    ex = runpy.run_path(os.path.join(os.path.dirname(__file__), "..", "..", "examples",
                                     "vision_verification.py"), run_name="nnlab_example")
    threads = torch.get_num_threads()
    try:
        acc, auc = ex["main"](ex["ap"].parse_args(["--pretrain-steps", "600", "--steps", "300"]))
    finally:
        torch.set_num_threads(threads)
    assert acc >= 0.75 and auc >= 0.83, (acc, auc)
