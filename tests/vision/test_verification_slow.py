"""Slow (~5 CPU minutes): verification of unseen digits 7-9 (examples/vision_verification.py,
defaults: 1,200 cosine-softmax steps on digits 0-6 with augmentation x2, one net, seed 0)
at the level docs/vision.md reports for it on the AVX-512 EPYC (third round): 83.20 % at
the threshold chosen on digits 0-6, AUC 0.917. The assertion, >= 0.82 and AUC >= 0.90,
leaves a margin of 1.2 points / 0.017; the kernels differ between CPUs, so the seed-0 figure
is reproducible per machine (the second round's 600-step default gave 82.85 % on an AVX2
EPYC, 81.80 % here). Seeds 1 and 2 of the same recipe give 76.8 % and 79.8 %: the issue's
goal, 90 %, is NOT reached."""
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
    assert acc >= 0.82 and auc >= 0.90, (acc, auc)
