"""Slow: Papernot et al.'s black-box attack (examples/blackbox_substitute_mnist.py) and Wong
et al.'s early-stop check (examples/fgsm_early_stop_mnist.py) at the levels docs/adversarial.md
reports."""
import os
import runpy

import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")


def _example(name):
    return runpy.run_path(os.path.join(EXAMPLES, name), run_name="nnlab_example")


@pytest.mark.slow
def test_papernot_substitute_transfer_at_eps_03():
    """Default: the paper's recipe against cleverhans' mnist_blackbox oracle (6 epochs,
    99.38%): measured 44.67% of the 9,850 non-seed test images misclassified, substitute
    84.22% (the paper's 84.24% and the issue's 80% are NOT reached: docs/adversarial.md)."""
    ex = _example("blackbox_substitute_mnist.py")
    r, sub_acc = ex["main"](ex["p"].parse_args([]))
    assert r["oracle_clean_accuracy"] >= 0.99
    assert sub_acc >= 0.80
    assert 1 - r["oracle_adversarial_accuracy"] >= 0.42, r


@pytest.mark.slow
def test_substitute_ensemble_at_temperature_10_fools_the_lecture_mlp():
    """Beyond the paper: 3 substitutes (3 x 4,800 queries), FGSM eps 0.3 on their mean
    logits / 10, against the lectures' 512-512 MLP (98.56%): measured 86.85% misclassified
    (seed 0; seed 1: 80.38%), substitute 84.06%."""
    ex = _example("blackbox_substitute_mnist.py")
    r, sub_acc = ex["main"](ex["p"].parse_args(["--oracle", "mlp", "--ensemble", "3",
                                                 "--temperature", "10"]))
    assert r["oracle_clean_accuracy"] >= 0.98
    assert sub_acc >= 0.80
    assert 1 - r["oracle_adversarial_accuracy"] >= 0.84, r


@pytest.mark.slow
def test_fgsm_rs_early_stop_keeps_robustness():
    """FGSM-RS at eps 0.3 (step 0.6) collapses to PGD-40 1.5% without the check; with it
    training stops in epoch 5 and the best weights keep PGD-40 28.7% (measured on an
    Intel Xeon; on an AMD EPYC, AVX2: PGD-40 27.3%, clean 0.969, so the clean floor is
    0.96, not the 0.97 of the first measurement)."""
    ex = _example("fgsm_early_stop_mnist.py")
    check, acc = ex["main"](ex["p"].parse_args(["--epochs", "6", "--alpha", "2.0"]))
    assert check.stopped_at_ is not None and max(check.history_) >= 0.4
    assert acc["pgd40"] >= 0.25 and acc["clean"] >= 0.96, acc
