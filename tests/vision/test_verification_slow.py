"""Slow: verification of unseen digits 7-9 (examples/vision_verification.py, defaults:
600 cosine-softmax steps on digits 0-6 with augmentation x2, one net, seed 0) at the level
docs/vision.md reports: 82.85 % at the threshold chosen on digits 0-6, AUC 0.909 on an AVX2
EPYC (second round), 81.80 %, AUC 0.901 on the AVX-512 EPYC (third round; the kernels
differ, so the seed-0 figure is reproducible per machine). The assertion, >= 0.81 and AUC
>= 0.89, leaves a margin of 0.8 points / 0.011 on the latter. Seeds 1 and 2 of the same
recipe give 76.9 % and 73.2 %: the issue's goal, 90 %, is NOT reached (no variant of the
third round moved it beyond that seed spread)."""
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
