"""Run a study over seeds, judge its claim, write PNG + Markdown + CSV + JSON.

The verdict per comparison: the difference of the arms' means ``d`` against its noise, the
standard error ``se = sqrt(s_a^2/n_a + s_b^2/n_b)`` (sample std over seeds). "held" needs
``d`` in the claimed direction with ``|d| > 2 se`` and ``|d| >= min_effect``; the opposite
direction under the same test is "did not hold"; anything else (including a single seed,
where the spread is unknown) is "inconclusive". The study held only if every comparison did.
"""
from __future__ import annotations

import logging
import math
import os
import time
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from ..config import set_seed
from .registry import Comparison, Experiment, get_experiment
from .report import write_all
from .result import ExperimentResult, format_mean_sd, mean_sd

log = logging.getLogger(__name__)

HELD, NOT_HELD, INCONCLUSIVE = "held", "did not hold", "inconclusive"


def judge(comp: Comparison, better: Sequence[float], worse: Sequence[float]) -> Dict[str, Any]:
    """Verdict of one comparison from the per-seed values of its two arms (see module doc)."""
    mb, sb = mean_sd(better)
    mw, sw = mean_sd(worse)
    diff = mb - mw if comp.higher_is_better else mw - mb  # > 0: in the claimed direction
    n_b, n_w = len(better), len(worse)
    se = math.sqrt(sb ** 2 / n_b + sw ** 2 / n_w) if n_b > 1 and n_w > 1 else float("nan")
    if comp.paired and n_b == n_w and n_b > 1:
        d = np.asarray(better, dtype=float) - np.asarray(worse, dtype=float)
        se = float(d.std(ddof=1) / math.sqrt(n_b))
    if not np.isfinite(diff) or not np.isfinite(se):
        verdict = INCONCLUSIVE
    elif comp.equal_within is not None:
        tol = comp.equal_within
        verdict = (HELD if abs(diff) + 2 * se <= tol else
                   NOT_HELD if abs(diff) - 2 * se > tol else INCONCLUSIVE)
    elif abs(diff) > 2 * se and abs(diff) >= comp.min_effect:
        verdict = HELD if diff > 0 else NOT_HELD
    else:
        verdict = INCONCLUSIVE
    return {"better": comp.better, "worse": comp.worse, "metric": comp.metric,
            "higher_is_better": comp.higher_is_better, "effect": diff, "se": se,
            "min_effect": comp.min_effect, "equal_within": comp.equal_within,
            "verdict": verdict}


def _overall(verdicts: List[str]) -> str:
    if verdicts and all(v == HELD for v in verdicts):
        return HELD
    if any(v == NOT_HELD for v in verdicts):
        return NOT_HELD
    return INCONCLUSIVE


def check_out_dir(out: str) -> str:
    """Create ``out`` and prove it is writable before any training; a clear error if not."""
    try:
        os.makedirs(out, exist_ok=True)
        probe = os.path.join(out, ".nnlab_write_probe")
        with open(probe, "w") as fh:
            fh.write("ok")
        os.remove(probe)
    except OSError as exc:
        raise ValueError(f"--out {out!r} cannot be written ({exc.strerror or exc}); "
                         f"choose a writable folder") from None
    return out


def run_experiment(name: str, quick: bool = False, seeds: Optional[int] = None,
                   out: Optional[str] = None, verbose: bool = True) -> ExperimentResult:
    """Run study ``name`` (``quick`` budget or full) over ``seeds`` seeds (default: the
    study's), write ``<out>/<name>.{png,md,csv,json}`` when ``out`` is given, return the result."""
    exp = get_experiment(name)
    mode = "quick" if quick else "full"
    n_seeds = exp.seeds[mode] if seeds is None else seeds
    if isinstance(n_seeds, bool) or not isinstance(n_seeds, int) or n_seeds < 1:
        raise ValueError(f"seeds must be an integer >= 1, got {seeds!r}")
    if out is not None:
        check_out_dir(out)
    budget = dict(exp.budgets[mode])
    metrics: Dict[str, Dict[str, List[float]]] = {}
    curves: Dict[str, List[List[float]]] = {}
    start = time.perf_counter()
    for arm in exp.arms:
        metrics[arm], curves[arm] = {}, []
        for seed in range(n_seeds):
            set_seed(seed)
            res = exp.run(arm, seed, budget)
            curves[arm].append([float(v) for v in res.get("curve", [])])
            for key, val in res["metrics"].items():
                metrics[arm].setdefault(key, []).append(float(val))
        if verbose:
            summary = ", ".join(f"{k} {format_mean_sd(*mean_sd(v))}"
                                for k, v in metrics[arm].items())
            print(f"  {arm:<22}{summary}", flush=True)
    comps = [judge(c, metrics[c.better][c.metric], metrics[c.worse][c.metric])
             for c in exp.comparisons]
    result = ExperimentResult(exp.name, mode, n_seeds, metrics, curves, comps,
                              _overall([c["verdict"] for c in comps]),
                              time.perf_counter() - start)
    if out is not None:
        result.files = write_all(exp, result, out)
    if verbose:
        print(format_verdict(exp, result), flush=True)
    return result


def format_verdict(exp: Experiment, result: ExperimentResult) -> str:
    """The lines the CLI prints: each comparison's effect ± 2 se and the study's verdict."""
    lines = [f"claim ({exp.lecture}): {exp.claim}"]
    for c in result.comparisons:
        sign = "~=" if c["equal_within"] is not None else ">" if c["higher_is_better"] else "<"
        lines.append(f"  {c['better']} {sign} {c['worse']} on {c['metric']}: effect "
                     f"{c['effect']:+.4g} (2 se {2 * c['se']:.2g}, min {c['min_effect']:g})"
                     f" -> {c['verdict']}")
    lines.append(f"{exp.name} [{result.mode}, {result.seeds} seed(s), "
                 f"{result.seconds:.0f} s]: claim {result.verdict}")
    return "\n".join(lines)
