"""Attention heat maps (matplotlib, Agg backend; written only to a PNG path)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def plot_attention(weights, source: Sequence[str], output: Sequence[str], path: str,
                   title: str | None = None) -> str:
    """Write a heat map of ``weights (len(output), len(source))`` to ``path``; returns it.

    Rows are output tokens, columns source tokens; ``weights`` may be longer on either
    axis (padding, steps after EOS): it is cut to the token lists given.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    w = np.asarray(weights, dtype=np.float32)
    if w.ndim != 2 or w.shape[0] < len(output) or w.shape[1] < len(source):
        raise ValueError(f"plot_attention: weights must be 2-D with at least "
                         f"({len(output)}, {len(source)}) entries, got shape {w.shape}")
    w = w[:len(output), :len(source)]
    fig, ax = plt.subplots(figsize=(0.28 * len(source) + 1.5, 0.28 * len(output) + 1.2))
    ax.imshow(w, cmap="viridis", aspect="auto", vmin=0.0, vmax=max(float(w.max()), 1e-6))
    ax.set_xticks(range(len(source)), [s if s != " " else "␣" for s in source], fontsize=7)
    ax.set_yticks(range(len(output)), list(output), fontsize=7)
    ax.set_xlabel("input")
    ax.set_ylabel("output")
    if title:
        ax.set_title(title, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_bpc_curve(curve: Sequence[dict], path: str, goal: float | None = None) -> str:
    """Write held-out bits/char against CPU minutes and wall minutes to ``path``.

    ``curve``: dicts with ``"cpu_s"``, ``"wall_s"`` and ``"val_bpc"`` (what
    ``examples/char_lm_shakespeare.py`` records); ``goal`` draws a horizontal line.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    missing = [k for k in ("cpu_s", "wall_s", "val_bpc") if any(k not in c for c in curve)]
    if not curve or missing:
        raise ValueError(f"plot_bpc_curve: curve must be a non-empty list of dicts with "
                         f"cpu_s, wall_s and val_bpc, got {len(curve)} points missing "
                         f"{missing}")
    bpc = [c["val_bpc"] for c in curve]
    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    ax.plot([c["cpu_s"] / 60 for c in curve], bpc, "o-", ms=3, label="one thread's CPU minutes")
    ax.plot([c["wall_s"] / 60 for c in curve], bpc, "s--", ms=3, label="wall minutes (shared machine)")
    if goal is not None:
        ax.axhline(goal, color="gray", lw=0.8, ls=":", label=f"goal {goal} bits/char")
    ax.set_xlabel("minutes")
    ax.set_ylabel("held-out bits / character")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
