"""RootMeanSquaredError, AUC(curve="PR") and the regression metrics against Keras 3."""
import numpy as np
import pytest
import torch

from nnlab import metrics

RNG = np.random.default_rng(1)


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


def _run(metric, batches):
    for args in batches:
        metric.update_state(*args)
    return float(np.asarray(metric.result().cpu() if hasattr(metric.result(), "cpu")
                            else metric.result()))


@pytest.mark.parametrize("name", ["RootMeanSquaredError", "CosineSimilarity", "LogCoshError",
                                  "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError",
                                  "Poisson"])
def test_regression_metrics_match_keras(keras, name):
    batches = []
    for _ in range(3):
        y = RNG.uniform(0.1, 2, size=(5, 3)).astype("float32")
        p = RNG.uniform(0.1, 2, size=(5, 3)).astype("float32")
        batches.append((y, p, RNG.uniform(0.5, 2, size=(5,)).astype("float32")))
    ours = _run(getattr(metrics, name)(), [(torch.from_numpy(a), torch.from_numpy(b), w)
                                          for a, b, w in batches])
    theirs = _run(getattr(keras.metrics, name)(), batches)
    assert ours == pytest.approx(theirs, rel=1e-5)


@pytest.mark.parametrize("num_thresholds", [200, 7])
def test_pr_auc_matches_keras(keras, num_thresholds):
    batches = []
    for _ in range(3):
        y = (RNG.uniform(size=64) > 0.6).astype("float32")
        p = np.clip(0.35 * y + RNG.uniform(size=64) * 0.7, 0, 1).astype("float32")
        p[:3] = [0.0, 1.0, 0.5]  # edges and a threshold value
        batches.append((y, p))
    ours = _run(metrics.AUC(curve="PR", num_thresholds=num_thresholds),
                [(torch.from_numpy(a), torch.from_numpy(b)) for a, b in batches])
    theirs = _run(keras.metrics.AUC(curve="PR", num_thresholds=num_thresholds), batches)
    assert ours == pytest.approx(theirs, abs=1e-5)


def test_pr_auc_of_a_perfect_ranking_is_one():
    m = metrics.AUC(curve="PR")
    m.update_state(torch.tensor([0, 0, 1, 1.0]), torch.tensor([0.1, 0.2, 0.8, 0.9]))
    assert m.result() == pytest.approx(1.0)


def test_names_and_bad_arguments():
    assert isinstance(metrics.get("rmse"), metrics.RootMeanSquaredError)
    assert isinstance(metrics.get("RootMeanSquaredError"), metrics.RootMeanSquaredError)
    with pytest.raises(ValueError, match="curve must be 'ROC' or 'PR'"):
        metrics.AUC(curve="DET")
