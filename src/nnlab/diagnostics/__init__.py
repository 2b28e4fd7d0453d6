"""Babysitting the learning process (CS231n): the checks to run before a long training.

- :func:`gradient_check` -- autograd vs centred differences in float64, per tensor.
- :func:`check_initial_loss` -- an untrained classifier's loss should be ``log(C)``.
- :func:`overfit_small_subset` -- the model must memorise 20 samples.
- :func:`lr_range_test` -- Smith's learning-rate range test.
- :func:`random_search` -- random hyper-parameter search in log space with k-fold CV.

None of them changes the model you pass: the training ones work on a deep copy, and the
global random state is restored. matplotlib and scikit-learn are imported only by the
functions that need them.
"""
from .gradient_check import GradCheckReport, TensorCheck, gradient_check, relative_error_verdict
from .lr_finder import LRFinderResult, lr_range_test
from .sanity import InitialLossReport, OverfitReport, check_initial_loss, overfit_small_subset
from .search import (
    Choice,
    Distribution,
    IntUniform,
    LogUniform,
    SearchResult,
    Uniform,
    random_search,
)

__all__ = ["Choice", "Distribution", "GradCheckReport", "InitialLossReport", "IntUniform",
           "LRFinderResult", "LogUniform", "OverfitReport", "SearchResult", "TensorCheck",
           "Uniform", "check_initial_loss", "gradient_check", "lr_range_test",
           "overfit_small_subset", "random_search", "relative_error_verdict"]
