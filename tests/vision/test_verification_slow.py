"""Slow: verification of unseen digits 7-9 (examples/vision_verification.py, defaults:
600 cosine-softmax steps on digits 0-6 with augmentation x2) at the level docs/vision.md
reports for seed 0: 82.85 % at the threshold chosen on digits 0-6, AUC 0.909 (seed 1 of
the same recipe: 76.05 %; the issue's goal, 90 %, is NOT reached)."""
import os
import runpy

import pytest
import torch


@pytest.mark.slow
def test_softmax_pretraining_with_strong_augmentation_verifies_unseen_digits():
    ex = runpy.run_path(os.path.join(os.path.dirname(__file__), "..", "..", "examples",
                                     "vision_verification.py"), run_name="nnlab_example")
    threads = torch.get_num_threads()
    try:
        acc, auc = ex["main"](ex["ap"].parse_args([]))
    finally:
        torch.set_num_threads(threads)
    assert acc >= 0.81 and auc >= 0.89, (acc, auc)
