import pytest

from nnlab.experiments import Comparison, Experiment, get_experiment, names, register_experiment


def test_at_least_twenty_builtin_studies_with_claims():
    listed = names()
    assert len(listed) >= 20
    for name in ("permuted-pixels", "init-statistics", "resnet-vs-plain", "rnn-vs-lstm"):
        assert name in listed
    for name in listed:
        exp = get_experiment(name)
        assert exp.claim.endswith(".") and exp.lecture and exp.comparisons
        assert set(exp.budgets) >= {"quick", "full"}


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(KeyError, match="unknown experiment 'nope'.*permuted-pixels"):
        get_experiment("nope")


def test_register_is_open_and_refuses_duplicates(synthetic):
    exp = synthetic(name="synthetic-reg")
    assert "synthetic-reg" in names()
    with pytest.raises(ValueError, match="already registered"):
        register_experiment(exp)
    with pytest.raises(TypeError, match="expects an Experiment"):
        register_experiment({"name": "x"})


def test_experiment_validates_its_comparisons_and_budgets():
    with pytest.raises(ValueError, match="arm 'c'"):
        Experiment("x", "c.", "l", ("a", "b"), "d", "m", run=lambda *a: {},
                   comparisons=[Comparison("c", "a", "s")])
    with pytest.raises(ValueError, match="budgets needs a 'full'"):
        Experiment("x", "c.", "l", ("a", "b"), "d", "m", run=lambda *a: {},
                   comparisons=[Comparison("a", "b", "s")], budgets={"quick": {}})
