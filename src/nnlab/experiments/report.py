"""Files of a run: the curves PNG (mean ± sd over seeds), the Markdown table, CSV and JSON."""
from __future__ import annotations

import csv
import json
import math
import os
from typing import Dict

import numpy as np

from .registry import Experiment
from .result import ExperimentResult, format_mean_sd, mean_sd


def markdown_table(result: ExperimentResult) -> str:
    """``| arm | metric1 | metric2 |`` with ``mean ± sd`` over seeds in each cell."""
    keys = list(dict.fromkeys(k for ms in result.metrics.values() for k in ms))
    lines = ["| arm | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for arm, ms in result.metrics.items():
        cells = [format_mean_sd(*mean_sd(ms[k])) if k in ms else "" for k in keys]
        lines.append(f"| {arm} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def comparison_table(result: ExperimentResult) -> str:
    lines = ["| claim | metric | effect | 2 se | verdict |", "|---|---|---|---|---|"]
    for c in result.comparisons:
        sign = "~=" if c["equal_within"] is not None else ">" if c["higher_is_better"] else "<"
        se = "n/a" if not np.isfinite(c["se"]) else f"{2 * c['se']:.3g}"
        lines.append(f"| {c['better']} {sign} {c['worse']} | {c['metric']} | "
                     f"{c['effect']:+.4g} | {se} | {c['verdict']} |")
    return "\n".join(lines)


def plot_curves(exp: Experiment, result: ExperimentResult, path: str) -> None:
    """Mean curve per arm with a ± sd band over seeds (Agg backend, PNG only)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5.5, 3.6), dpi=80)
    for arm, runs in result.curves.items():
        length = min((len(r) for r in runs), default=0)
        if length == 0:
            continue
        arr = np.array([r[:length] for r in runs], dtype=float)
        mean = arr.mean(axis=0)
        x = np.arange(1, length + 1)
        ax.plot(x, mean, label=arm, lw=1.5, marker="o" if length < 12 else None, ms=3)
        if arr.shape[0] > 1:
            sd = arr.std(axis=0, ddof=1)
            ax.fill_between(x, mean - sd, mean + sd, alpha=0.2)
    ax.set_xlabel(exp.curve_label[0])
    ax.set_ylabel(exp.curve_label[1])
    if exp.log_y:
        ax.set_yscale("log")
    ax.set_title(f"{exp.name} ({result.mode}, {result.seeds} seeds, mean ± sd)", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_csv(result: ExperimentResult, path: str) -> None:
    """One row per (arm, metric): mean, sd, n, and the per-seed values."""
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["arm", "metric", "mean", "sd", "n", "values"])
        for arm, ms in result.metrics.items():
            for key, vals in ms.items():
                m, s = mean_sd(vals)
                w.writerow([arm, key, f"{m:.6g}", "" if not np.isfinite(s) else f"{s:.6g}",
                            len(vals), " ".join(f"{v:.6g}" for v in vals)])


def write_json(exp: Experiment, result: ExperimentResult, path: str) -> None:
    def clean(v):
        return None if isinstance(v, float) and not math.isfinite(v) else v
    data = {"name": exp.name, "claim": exp.claim, "lecture": exp.lecture, "data": exp.data,
            "measures": exp.measures, "mode": result.mode, "seeds": result.seeds,
            "seconds": round(result.seconds, 2), "verdict": result.verdict,
            "metrics": result.metrics, "curves": result.curves,
            "comparisons": [{k: clean(v) for k, v in c.items()} for c in result.comparisons]}
    with open(path, "w") as fh:
        json.dump(data, fh, indent=1)


def write_all(exp: Experiment, result: ExperimentResult, out: str) -> Dict[str, str]:
    base = os.path.join(out, exp.name)
    files = {"png": base + ".png", "md": base + ".md", "csv": base + ".csv",
             "json": base + ".json"}
    plot_curves(exp, result, files["png"])
    with open(files["md"], "w") as fh:
        fh.write(f"## {exp.name}\n\nClaim ({exp.lecture}): {exp.claim}\n\nData: {exp.data}. "
                 f"Measured: {exp.measures}.\n\n{markdown_table(result)}\n\n"
                 f"{comparison_table(result)}\n\nVerdict ({result.mode}, {result.seeds} seeds, "
                 f"{result.seconds:.0f} s): **{result.verdict}**\n")
    write_csv(result, files["csv"])
    write_json(exp, result, files["json"])
    return files
