"""random_search: log-space sampling and k-fold cross-validated trials on digits."""
import math

import numpy as np
import pytest
import torch

import nnlab
from nnlab.diagnostics import Choice, IntUniform, LogUniform, Uniform, random_search
from nnlab.diagnostics.search import _folds
from nnlab.layers import Dense


def build(lr, units=32):
    model = nnlab.Sequential([Dense(units, input_shape=(64,), activation="relu"),
                              Dense(10, activation="softmax")])
    model.compile(nnlab.optimizers.Adam(learning_rate=lr), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def test_tiny_search_on_digits(digits):
    x, y = digits
    np_state, torch_state = np.random.get_state()[1].copy(), torch.get_rng_state()
    result = random_search(build, {"lr": LogUniform(1e-4, 1e-1),
                                   "units": IntUniform(16, 64, log=True)},
                           x, y, n_trials=3, k_folds=2, epochs=2)
    assert 1e-4 <= result.best_params["lr"] <= 1e-1
    assert 16 <= result.best_params["units"] <= 64
    scores = [t["mean_score"] for t in result.trials]
    assert len(scores) == 3 and scores == sorted(scores, reverse=True)
    assert result.best_score == scores[0] and 0.5 < result.best_score <= 1
    for t in result.trials:
        assert set(t) == {"trial", "params", "mean_score", "std_score", "scores"}
        assert len(t["scores"]) == 2
        assert t["mean_score"] == pytest.approx(np.mean(t["scores"]))
        assert t["std_score"] == pytest.approx(np.std(t["scores"]))
    table = result.to_table().splitlines()
    assert table[0].split()[:3] == ["rank", "lr", "units"] and len(table) == 2 + 3
    # the global random state is restored; the same seed gives the same search
    assert np.array_equal(np.random.get_state()[1], np_state)
    assert torch.equal(torch.get_rng_state(), torch_state)


def test_loss_metric_sorts_ascending_and_callable_metric(digits):
    x, y = digits
    result = random_search(build, {"lr": LogUniform(1e-4, 1e-2)}, x[:600], y[:600],
                           n_trials=2, k_folds=2, epochs=1, metric="loss")
    assert not result.greater_is_better
    assert result.trials[0]["mean_score"] <= result.trials[1]["mean_score"]

    def top2(y_true, y_pred):
        return float(np.mean([t in np.argsort(p)[-2:] for t, p in zip(y_true, y_pred)]))

    result = random_search(build, {"lr": Choice([1e-2])}, x[:600], y[:600], n_trials=1,
                           k_folds=2, epochs=1, metric=top2)
    assert result.metric == "top2" and result.best_params == {"lr": 1e-2}
    assert 0 < result.best_score <= 1


def test_log_uniform_is_uniform_in_log_space():
    dist = LogUniform(1e-4, 1e-1)
    rng = np.random.default_rng(0)
    samples = np.array([dist.sample(rng) for _ in range(2000)])
    assert samples.min() >= 1e-4 and samples.max() <= 1e-1
    below = np.mean(samples < math.sqrt(1e-4 * 1e-1))  # the geometric mean
    assert below == pytest.approx(0.5, abs=0.04)
    decades = np.histogram(np.log10(samples), bins=[-4, -3, -2, -1])[0] / 2000
    assert np.allclose(decades, 1 / 3, atol=0.04)
    # a plain Uniform puts only ~3% of its mass below the geometric mean
    uniform = np.array([Uniform(1e-4, 1e-1).sample(rng) for _ in range(2000)])
    assert np.mean(uniform < math.sqrt(1e-4 * 1e-1)) < 0.06


def test_int_uniform_and_choice():
    rng = np.random.default_rng(0)
    ints = {IntUniform(1, 3).sample(rng) for _ in range(200)}
    assert ints == {1, 2, 3}
    logs = [IntUniform(16, 512, log=True).sample(rng) for _ in range(2000)]
    assert min(logs) >= 16 and max(logs) <= 512 and all(isinstance(v, int) for v in logs)
    assert np.mean(np.array(logs) < math.sqrt(16 * 512)) == pytest.approx(0.5, abs=0.05)
    assert {Choice(["relu", "tanh"]).sample(rng) for _ in range(50)} == {"relu", "tanh"}


def test_folds_are_stratified(digits):
    _, y = digits
    for train, val in _folds("t", y, 3, 0):
        counts = np.bincount(y[val], minlength=10)
        assert counts.max() - counts.min() <= 3  # each class ~1/3 of its samples
        assert len(set(train) & set(val)) == 0


@pytest.mark.parametrize("factory, match", [
    (lambda: LogUniform(0, 1), r"LogUniform: low must be > 0 \(log space\), got 0"),
    (lambda: LogUniform(1e-1, 1e-4), "LogUniform: low must be < high"),
    (lambda: Uniform(0, float("nan")), "Uniform: high must be a finite number"),
    (lambda: IntUniform(1.5, 3), "IntUniform: low must be an int, got 1.5"),
    (lambda: Choice([]), "Choice: options must be a non-empty list"),
])
def test_bad_distributions(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


@pytest.mark.parametrize("kwargs, match", [
    ({"build_fn": None}, "build_fn must be a callable"),
    ({"param_space": {"lr": (1e-4, 1e-1)}}, r"param_space\['lr'\] must be LogUniform"),
    ({"param_space": {}}, "param_space must be a non-empty dict"),
    ({"k_folds": 1}, "k_folds must be an int >= 2, got 1"),
    ({"n_trials": 0}, "n_trials must be an int >= 1, got 0"),
    ({"metric": 3}, "metric must be 'accuracy', 'loss'"),
    ({"build_fn": lambda lr: "model"}, "build_fn must return a compiled nnlab model"),
    ({"metric": "f1"}, r"metric 'f1' is not reported by the model's evaluate\(\)"),
])
def test_bad_arguments(kwargs, match, digits):
    x, y = digits
    args = {"build_fn": build, "param_space": {"lr": LogUniform(1e-3, 1e-2)}, "x": x[:60],
            "y": y[:60], "n_trials": 1, "k_folds": 2, "epochs": 1}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        random_search(**args)
