"""Each built-in study's quick mode (its 3 fixed seeds 0-2), asserting the claim's direction.

All 21 run in the default test run: about 85 s of one CPU thread together on a quiet
machine (resnet-vs-plain ~16 s, transfer-vs-scratch ~9 s, one-by-one and label-smoothing ~8 s,
the rest 0.1-6 s).
The quick budgets were chosen so that the direction is clear at seeds 0-2 and also at seeds
3-5 and 6-8 (checked with 9-seed runs, docs/experiments.md "Quick modes"), except where
``PARTIAL`` says which comparisons a 30-second budget cannot settle, and why; those are
asserted only not to contradict the claim, and knn-vs-linear's full mode is a slow test.
"""
import numpy as np
import pytest

from nnlab.experiments import names, run_experiment

# study -> (comparisons (better, worse, metric) that must hold at the quick budget, why the rest
# cannot be shown in 30 s)
PARTIAL = {
    "knn-vs-linear": ({("small-net", "linear", "dev_acc")},
                      "the small net beats k-NN by ~1 point, the size of the subset-to-subset "
                      "noise at 1,000-3,000 images; only the full mode (5,000) separates them"),
    "one-by-one": ({("bottleneck", "plain-3x3", "params"), ("bottleneck", "plain-3x3", "macs")},
                   "'equal accuracy' was inconclusive even in the full mode (bottleneck 4 "
                   "points lower, 2 se 4): the plain 1x1-3x3-1x1 stack trains slower"),
}


@pytest.mark.parametrize("name", sorted(set(names()) - set(PARTIAL)))
def test_quick_mode_holds(name, tmp_path):
    res = run_experiment(name, quick=True, out=str(tmp_path), verbose=False)
    assert res.seeds == 3
    assert res.verdict == "held", res.comparisons
    assert (tmp_path / f"{name}.png").exists()


@pytest.mark.parametrize("name", sorted(PARTIAL))
def test_quick_mode_partial_claims(name):
    must_hold, why = PARTIAL[name]
    res = run_experiment(name, quick=True, verbose=False)
    for c in res.comparisons:
        key = (c["better"], c["worse"], c["metric"])
        if key in must_hold:
            assert c["verdict"] == "held", c
        else:
            assert c["verdict"] != "did not hold", (c, why)
    assert must_hold <= {(c["better"], c["worse"], c["metric"]) for c in res.comparisons}


@pytest.mark.slow  # ~1 min of one CPU thread: 5,000 MNIST images, 15 epochs (see PARTIAL)
def test_knn_vs_linear_full_mode_holds():
    res = run_experiment("knn-vs-linear", verbose=False)
    assert res.verdict == "held", res.comparisons


def test_init_statistics_collapse_and_he_factor():
    res = run_experiment("init-statistics", quick=True, seeds=1, verbose=False)
    tanh_small = res.curves["tanh-small"][0]
    assert tanh_small[-1] < 1e-4 * tanh_small[0]  # 0.01-std weights: activations vanish
    he = res.metrics["relu-he"]["std_ratio_10_to_1"][0]
    assert 0.5 < he < 2.0  # He keeps the ReLU net's activation scale over 10 layers


def test_ensembles_single_arm_is_the_members_mean():
    res = run_experiment("ensembles", quick=True, seeds=1, verbose=False)
    alone, averaged = res.curves["single"][0], res.curves["ensemble"][0]
    assert len(alone) == len(averaged) == 5 and averaged[0] == alone[0]
    assert res.metrics["single"]["dev_acc"][0] == pytest.approx(sum(alone) / 5)


def test_calibration_error_known_answers():
    from nnlab.experiments.studies.label_smoothing import calibration_error
    probs = np.full((10, 10), 0.1 / 9, dtype=np.float64)
    probs[:, 0] = 0.9  # every example 90% sure of class 0
    y = np.zeros(10, dtype=int)
    assert calibration_error(probs, y) == pytest.approx(0.1)  # all right: under-confident by 0.1
    y[0] = 3
    assert calibration_error(probs, y) == pytest.approx(0.0)  # 9 of 10 right at 0.9: calibrated
