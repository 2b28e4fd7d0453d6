"""The lectures' claims as small controlled studies: ``nnlab experiment list|run NAME``.

    from nnlab.experiments import names, run_experiment
    result = run_experiment("permuted-pixels", quick=True, seeds=2, out="exp_out")
    print(result.verdict)          # "held", "did not hold" or "inconclusive"

Later issues add studies with :func:`register_experiment`.
"""
from .registry import Comparison, Experiment, get_experiment, names, register_experiment
from .result import ExperimentResult
from .runner import judge, run_experiment

__all__ = ["Comparison", "Experiment", "ExperimentResult", "get_experiment", "judge", "names",
           "register_experiment", "run_experiment"]
