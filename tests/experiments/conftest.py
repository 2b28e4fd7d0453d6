"""A synthetic study with known answers, registered for the duration of one test."""
import numpy as np
import pytest

from nnlab.experiments import Comparison, Experiment, register_experiment
from nnlab.experiments import registry


def make_synthetic(name="synthetic-test", offset=1.0, noise=0.01, equal_within=None,
                   paired=False):
    """Arm ``a`` = offset + noise * N(0,1)[seed], arm ``b`` = 0 + noise * N(0,1)[seed+50]."""
    def run(arm, seed, budget):
        rng = np.random.default_rng(seed + (0 if arm == "a" else 50))
        base = offset if arm == "a" else 0.0
        value = base + noise * rng.standard_normal()
        return {"curve": [value * t / 3 for t in range(1, 4)], "metrics": {"score": value}}
    return Experiment(
        name=name, claim="a beats b", lecture="test", arms=("a", "b"), data="none",
        measures="score", run=run,
        comparisons=[Comparison("a", "b", "score", equal_within=equal_within, paired=paired)],
        budgets={"quick": {}, "full": {}}, seeds={"quick": 3, "full": 3})


@pytest.fixture
def synthetic():
    """Register synthetic studies via the returned function; removed afterwards."""
    added = []

    def add(**kw):
        exp = register_experiment(make_synthetic(**kw), replace=True)
        added.append(exp.name)
        return exp
    yield add
    for name in added:
        registry._REGISTRY.pop(name, None)
