"""What a study run produced (:class:`ExperimentResult`) and how its numbers read:
``mean ± sd`` over seeds. The runner fills a result; the report writes it to files."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np


@dataclass
class ExperimentResult:
    """What a run produced: per arm the metric values per seed and the curves (seeds, T)."""
    name: str
    mode: str
    seeds: int
    metrics: Dict[str, Dict[str, List[float]]]
    curves: Dict[str, List[List[float]]]
    comparisons: List[Dict[str, Any]]
    verdict: str
    seconds: float
    files: Dict[str, str] = field(default_factory=dict)


def mean_sd(values: Sequence[float]) -> Tuple[float, float]:
    """Mean and sample standard deviation (``ddof=1``) of per-seed values; the sd is NaN
    for a single seed, where the spread is unknown."""
    arr = np.asarray(values, dtype=float)
    sd = float(arr.std(ddof=1)) if arr.size > 1 else float("nan")
    return float(arr.mean()), sd


def format_mean_sd(mean: float, sd: float) -> str:
    """``"0.9812 ± 0.0031"``, or just the mean when the sd is unknown (NaN)."""
    return f"{mean:.4g}" if not np.isfinite(sd) else f"{mean:.4g} ± {sd:.2g}"
