"""Random hyper-parameter search with k-fold cross-validation.

Bergstra & Bengio (2012): random search beats grid search when only a few
hyper-parameters matter, and scale parameters (learning rate, weight decay) are sampled
uniformly in log space, ``lr = 10 ** uniform(-4, -1)``, as the lecture says. Each trial's
score is the mean (and spread) over k validation folds.
"""
# ruff: noqa: TRY004 -- bad arguments raise ValueError naming the argument (nnlab's rule)
from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._common import (
    accuracy,
    check_int,
    check_xy,
    class_ids,
    describe,
    format_table,
    preserved_rng,
    take,
    to_numpy,
)


# -------------------------------------------------------------- distributions
class Distribution:
    """A search dimension: ``sample(rng) -> value`` with a numpy ``Generator``."""

    def sample(self, rng: np.random.Generator) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


def _bounds(owner: str, low: Any, high: Any, positive: bool = False) -> tuple:
    for name, v in (("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) \
                or not math.isfinite(float(v)):
            raise ValueError(f"{owner}: {name} must be a finite number, got {describe(v)}")
    if positive and low <= 0:
        raise ValueError(f"{owner}: low must be > 0 (log space), got {low!r}")
    if not low < high:
        raise ValueError(f"{owner}: low must be < high, got low={low!r}, high={high!r}")
    return low, high


class LogUniform(Distribution):
    """``exp(uniform(log(low), log(high)))``: every decade equally likely (learning rates,
    weight decay). ``0 < low < high``."""

    def __init__(self, low: float, high: float):
        self.low, self.high = (float(v) for v in _bounds("LogUniform", low, high, True))

    def sample(self, rng: np.random.Generator) -> float:
        return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))

    def __repr__(self) -> str:
        return f"LogUniform({self.low:g}, {self.high:g})"


class Uniform(Distribution):
    """``uniform(low, high)`` (dropout rate, momentum)."""

    def __init__(self, low: float, high: float):
        self.low, self.high = (float(v) for v in _bounds("Uniform", low, high))

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.low, self.high))

    def __repr__(self) -> str:
        return f"Uniform({self.low:g}, {self.high:g})"


class IntUniform(Distribution):
    """An integer in ``[low, high]`` (both included); ``log=True`` samples uniformly in
    log space and rounds (layer widths: 16 ... 512)."""

    def __init__(self, low: int, high: int, log: bool = False):
        for name, v in (("low", low), ("high", high)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise ValueError(f"IntUniform: {name} must be an int, got {describe(v)}")
        _bounds("IntUniform", low, high, positive=log)
        self.low, self.high, self.log = int(low), int(high), bool(log)

    def sample(self, rng: np.random.Generator) -> int:
        if self.log:
            # low - 0.5 .. high + 0.5 so that rounding gives the end points their share
            value = math.exp(rng.uniform(math.log(self.low - 0.5), math.log(self.high + 0.5)))
            return int(min(max(round(value), self.low), self.high))
        return int(rng.integers(self.low, self.high + 1))

    def __repr__(self) -> str:
        return f"IntUniform({self.low}, {self.high}{', log=True' if self.log else ''})"


class Choice(Distribution):
    """One of ``options``, equally likely (activation, optimizer name, a fixed value)."""

    def __init__(self, options: Sequence[Any]):
        if isinstance(options, (str, bytes)) or not isinstance(options, Sequence) or \
                not options:
            raise ValueError(f"Choice: options must be a non-empty list, got "
                             f"{describe(options)}")
        self.options = list(options)

    def sample(self, rng: np.random.Generator) -> Any:
        value = self.options[int(rng.integers(len(self.options)))]
        return value.item() if isinstance(value, np.generic) else value

    def __repr__(self) -> str:
        return f"Choice({self.options!r})"


# ---------------------------------------------------------------------- result
@dataclass
class SearchResult:
    """What :func:`random_search` found.

    Attributes:
        trials: one dict per trial, best first: ``{"trial", "params", "mean_score",
            "std_score", "scores"}`` (a diverged trial scores NaN and sorts last).
        best_params / best_score / best_std: the first trial's.
        metric: what was scored; greater_is_better: its direction.
    """
    trials: list[dict[str, Any]]
    metric: str
    greater_is_better: bool
    k_folds: int

    @property
    def best(self) -> dict[str, Any]:
        return self.trials[0]

    @property
    def best_params(self) -> dict[str, Any]:
        return dict(self.best["params"])

    @property
    def best_score(self) -> float:
        return self.best["mean_score"]

    @property
    def best_std(self) -> float:
        return self.best["std_score"]

    def to_table(self) -> str:
        """The trials, best first: rank, each parameter, mean +- std over the folds."""
        names = list(self.best["params"])
        rows = []
        for rank, t in enumerate(self.trials, 1):
            rows.append([rank] + [_fmt(t["params"][n]) for n in names] +
                        [f"{t['mean_score']:.4f} +- {t['std_score']:.4f}"])
        header = ["rank"] + names + [f"{self.metric} ({self.k_folds}-fold)"]
        return format_table(header, rows)

    def __str__(self) -> str:
        return self.to_table()


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


# ---------------------------------------------------------------------- search
Metric = str | Callable[[np.ndarray, np.ndarray], float]


def random_search(build_fn: Callable[..., Any], param_space: dict[str, Distribution], x: Any,
                  y: Any, n_trials: int = 10, k_folds: int = 3, epochs: int = 5, seed: int = 0,
                  metric: Metric = "accuracy", batch_size: int = 32,
                  greater_is_better: bool | None = None) -> SearchResult:
    """Random search over ``param_space`` scored by k-fold cross-validation.

    For each of ``n_trials`` trials, every parameter is drawn from its distribution
    (``LogUniform`` draws ``log p ~ U(log low, log high)``); then for each fold
    ``k = 1..K`` a fresh ``build_fn(**params)`` (a compiled model) is fitted on the other
    folds for ``epochs`` epochs and scored on fold ``k``. A trial's score is
    ``mean_k score_k`` with ``std_k score_k``. Folds are stratified
    (``sklearn.model_selection.StratifiedKFold``) when ``y`` holds class labels, plain
    ``KFold`` otherwise; both are shuffled with ``seed``, and the same folds serve every
    trial.

    Args:
        build_fn: ``build_fn(**params) -> compiled nnlab model``.
        param_space: ``{name: LogUniform(...) | Uniform(...) | IntUniform(...) |
            Choice([...])}``.
        x, y: data ``(samples, ...)`` and targets.
        n_trials, k_folds (>= 2), epochs: the budget.
        seed: seeds the draws, the folds and the training (global random state restored).
        metric: ``"accuracy"`` (argmax, or ``p > 0.5`` for one output), ``"loss"``, any
            key of the model's ``evaluate(..., return_dict=True)``, or a callable
            ``metric(y_true, y_pred) -> float`` on numpy arrays.
        batch_size: for fitting and scoring.
        greater_is_better: the metric's direction; default ``False`` for names containing
            "loss" or "error" (and ``mse``/``mae``), ``True`` otherwise.

    Returns:
        :class:`SearchResult` with ``best_params``, ``best_score``, ``trials`` (best
        first) and ``to_table()``.
    """
    owner = "random_search"
    if not callable(build_fn):
        raise ValueError(f"{owner}: build_fn must be a callable build_fn(**params) -> "
                         f"compiled model, got {describe(build_fn)}")
    if not isinstance(param_space, dict) or not param_space:
        raise ValueError(f"{owner}: param_space must be a non-empty dict of name -> "
                         f"LogUniform/Uniform/IntUniform/Choice, got {describe(param_space)}")
    for name, dist in param_space.items():
        if not isinstance(dist, Distribution):
            raise ValueError(f"{owner}: param_space[{name!r}] must be LogUniform(low, high), "
                             f"Uniform(low, high), IntUniform(low, high) or Choice([...]), got "
                             f"{describe(dist)}; for a fixed value use Choice([value])")
    x, y = check_xy(owner, x, y)
    n_trials = check_int(owner, "n_trials", n_trials, 1)
    k_folds = check_int(owner, "k_folds", k_folds, 2)
    epochs = check_int(owner, "epochs", epochs, 1)
    seed = check_int(owner, "seed", seed, 0)
    batch_size = check_int(owner, "batch_size", batch_size, 1)
    metric_name, score_fn, greater = _metric(owner, metric, greater_is_better)
    folds = _folds(owner, y, k_folds, seed)

    rng = np.random.default_rng(seed)
    draws = [{name: dist.sample(rng) for name, dist in param_space.items()}
             for _ in range(n_trials)]
    trials = []
    with preserved_rng(seed):
        for trial, params in enumerate(draws):
            scores = []
            for train_idx, val_idx in folds:
                model = build_fn(**params)
                if getattr(model, "compiled", None) is None or not hasattr(model, "fit"):
                    raise ValueError(f"{owner}: build_fn must return a compiled nnlab model, "
                                     f"got {describe(model)} for params {params}")
                with warnings.catch_warnings():  # a diverging trial just scores NaN
                    warnings.simplefilter("ignore", RuntimeWarning)
                    model.fit(take(x, train_idx), take(y, train_idx), epochs=epochs,
                              batch_size=batch_size, verbose=0)
                    scores.append(float(score_fn(model, take(x, val_idx), take(y, val_idx),
                                                 batch_size)))
            values = np.asarray(scores, dtype=float)
            bad = not np.all(np.isfinite(values))
            trials.append({"trial": trial, "params": params,
                           "mean_score": math.nan if bad else float(values.mean()),
                           "std_score": math.nan if bad else float(values.std()),
                           "scores": scores})
    sign = -1.0 if greater else 1.0
    trials.sort(key=lambda t: (math.isnan(t["mean_score"]),
                               0.0 if math.isnan(t["mean_score"]) else sign * t["mean_score"],
                               t["trial"]))
    return SearchResult(trials, metric_name, greater, k_folds)


def _folds(owner: str, y: Any, k_folds: int, seed: int) -> list:
    from sklearn.model_selection import KFold, StratifiedKFold
    labels = class_ids(y)
    n = len(y)
    if k_folds > n:
        raise ValueError(f"{owner}: k_folds must be <= the number of samples ({n}), got "
                         f"{k_folds}")
    if labels is not None:
        smallest = int(np.unique(labels, return_counts=True)[1].min())
        if smallest >= k_folds:
            splitter = StratifiedKFold(n_splits=k_folds, shuffle=True, random_state=seed)
            return list(splitter.split(np.zeros(n), labels))
        warnings.warn(f"{owner}: the rarest class has {smallest} samples, fewer than "
                      f"k_folds={k_folds}; using unstratified folds", RuntimeWarning,
                      stacklevel=3)
    return list(KFold(n_splits=k_folds, shuffle=True, random_state=seed).split(np.zeros(n)))


def _metric(owner: str, metric: Metric, greater_is_better: bool | None) -> tuple:
    if callable(metric):
        name = getattr(metric, "__name__", "score")

        def score(model, xv, yv, batch_size):
            return metric(to_numpy(yv), model.predict(xv, batch_size=batch_size))

        return name, score, True if greater_is_better is None else bool(greater_is_better)
    if not isinstance(metric, str) or not metric:
        raise ValueError(f"{owner}: metric must be 'accuracy', 'loss', a metric name of the "
                         f"compiled model or a callable (y_true, y_pred) -> float, got "
                         f"{describe(metric)}")
    lower = metric.lower()
    greater = greater_is_better if greater_is_better is not None else not (
        "loss" in lower or "error" in lower or lower in ("mse", "mae"))
    if lower in ("accuracy", "acc"):
        def score(model, xv, yv, batch_size):
            value = accuracy(yv, model.predict(xv, batch_size=batch_size))
            if value is None:
                raise ValueError(f"{owner}: metric='accuracy' needs class labels (integers "
                                 f"or one-hot) and a (batch, C) output; pass another metric")
            return value
        return "accuracy", score, bool(greater)

    def score(model, xv, yv, batch_size):
        logs = model.evaluate(xv, yv, batch_size=batch_size, verbose=0, return_dict=True)
        if metric not in logs:
            raise ValueError(f"{owner}: metric {metric!r} is not reported by the model's "
                             f"evaluate(); it reports {sorted(logs)}")
        return logs[metric]
    return metric, score, bool(greater)


__all__ = ["Choice", "Distribution", "IntUniform", "LogUniform", "SearchResult", "Uniform",
           "random_search"]
