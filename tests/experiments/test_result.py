"""experiments.result: mean ± sd over seeds, as the report and the runner print it."""
from __future__ import annotations

import math

from nnlab.experiments.result import format_mean_sd, mean_sd


def test_mean_sd_uses_the_sample_sd_and_nan_for_one_seed():
    m, s = mean_sd([1.0, 2.0, 3.0])
    assert m == 2.0 and s == 1.0
    m, s = mean_sd([0.5])
    assert m == 0.5 and math.isnan(s)


def test_format_mean_sd():
    assert format_mean_sd(0.98123, 0.00312) == "0.9812 ± 0.0031"
    assert format_mean_sd(0.5, float("nan")) == "0.5"
