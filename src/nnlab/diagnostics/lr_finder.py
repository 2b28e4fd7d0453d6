"""Smith's learning-rate range test ("Cyclical Learning Rates for Training Neural Networks",
L. N. Smith, 2017; popularised as the fast.ai LR finder).

Train for a few hundred mini-batch steps while the learning rate grows exponentially from
``min_lr`` to ``max_lr``; record the (smoothed) loss and stop once it explodes. The loss
is flat where the rate is too small, falls fastest around a good rate and blows up past
the largest stable one.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .. import optimizers as optimizers_mod
from ..utils.io import atomic_write
from ._common import (
    check_compiled,
    check_float,
    check_int,
    check_xy,
    describe,
    ensure_built,
    format_table,
    preserved_rng,
    take,
    training_copy,
)


@dataclass
class LRFinderResult:
    """What :func:`lr_range_test` recorded.

    Attributes:
        lrs: the learning rate of each step taken.
        losses: the raw mini-batch loss of each step.
        smoothed_losses: ``losses`` smoothed without lag (:func:`zero_lag_smooth`).
        steepest_lr: the rate where the smoothed loss falls fastest (per log10 of lr),
            before its minimum; ``None`` if the loss never fell.
        min_loss_lr: the rate at the smoothed loss' minimum.
        suggested_lr: ``steepest_lr`` if found, else ``min_loss_lr / 10``.
        diverged: the test stopped because the loss exceeded ``diverge_factor`` x its best.
    """
    lrs: list[float]
    losses: list[float]
    smoothed_losses: list[float]
    steepest_lr: float | None
    min_loss_lr: float
    suggested_lr: float
    diverged: bool
    plot_path: str | None = field(default=None)

    def __str__(self) -> str:
        steep = "n/a" if self.steepest_lr is None else f"{self.steepest_lr:.2e}"
        rows = [(f"{lr:.2e}", f"{loss:.4f}", f"{sm:.4f}")
                for lr, loss, sm in list(zip(self.lrs, self.losses, self.smoothed_losses))
                [::max(1, len(self.lrs) // 10)]]
        return (f"LR range test: {len(self.lrs)} steps, lr {self.lrs[0]:.1e} -> "
                f"{self.lrs[-1]:.1e}{' (stopped: loss diverged)' if self.diverged else ''}\n"
                f"{format_table(['lr', 'loss', 'smoothed'], rows)}\n"
                f"steepest descent at lr={steep}, minimum at lr={self.min_loss_lr:.2e} -> "
                f"suggested lr {self.suggested_lr:.2e}")

    def plot(self, path: str | None = None, ax: Any = None) -> Any:
        """Smoothed loss against the learning rate (log axis), suggestion marked.

        Writes a PNG to ``path`` (atomically) when given; draws into ``ax`` when given;
        returns the matplotlib figure. Needs matplotlib.
        """
        from matplotlib.figure import Figure
        fig = ax.figure if ax is not None else Figure(figsize=(6, 4), dpi=100)
        ax = ax if ax is not None else fig.add_subplot(1, 1, 1)
        ax.plot(self.lrs, self.losses, color="0.75", linewidth=0.8, label="loss")
        ax.plot(self.lrs, self.smoothed_losses, color="C0", label="smoothed loss")
        ax.axvline(self.suggested_lr, color="C3", linestyle="--",
                   label=f"suggested lr = {self.suggested_lr:.1e}")
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("training loss")
        finite = [v for v in self.smoothed_losses if math.isfinite(v)]
        raw = [v for v in self.losses if math.isfinite(v)]
        if finite:
            low, high = min(finite + raw), min(max(finite), 1.5 * finite[0])
            pad = 0.05 * (high - low) + 1e-12
            ax.set_ylim(low - pad, high + pad)
        ax.set_title("Learning-rate range test")
        ax.legend()
        if path is not None:
            _save_png(fig, path)
        return fig


def _save_png(fig: Any, path: str) -> None:
    """Write the figure to ``path`` atomically."""
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))


def lr_range_test(model: torch.nn.Module, x: Any, y: Any, min_lr: float = 1e-7,
                  max_lr: float = 10.0, steps: int = 100, batch_size: int = 32,
                  plot_path: str | None = None, smoothing: float = 0.9,
                  diverge_factor: float = 4.0, seed: int = 0) -> LRFinderResult:
    """Smith's LR range test with the model's compiled optimizer and loss.

    Step ``i`` (of ``steps``) trains one mini-batch at

        lr_i = min_lr * (max_lr / min_lr) ** (i / (steps - 1))

    and records the loss ``l_i``, smoothed as ``s_i = avg_i / (1 - beta^(i+1))`` with
    ``avg_i = beta avg_{i-1} + (1 - beta) l_i`` (``beta = smoothing``). The test stops when
    ``s_i > diverge_factor * min(s)`` or the loss is not finite. For the suggestion the
    recorded losses are smoothed again forwards and backwards (no lag); the suggested
    rate is that curve's steepest descent against ``log10(lr)`` before its minimum, or the
    rate at the minimum divided by 10 when the loss never fell.

    The test trains a deep copy of the model with a fresh optimizer state, so the model
    you pass ends as it started (its initial weights, optimizer state and the global
    random state are untouched).

    Args:
        model: a compiled nnlab model (not L-BFGS).
        x, y: training data ``(samples, ...)`` and targets; batches are drawn at random and
            the data is cycled when ``steps * batch_size`` exceeds it.
        min_lr, max_lr: the range, ``0 < min_lr < max_lr``.
        steps: number of mini-batch steps (>= 5).
        batch_size: samples per step.
        plot_path: write the loss-vs-lr plot (PNG, log-x) there; needs matplotlib.
        smoothing: ``beta`` in ``[0, 1)``.
        diverge_factor: stop once the smoothed loss exceeds this multiple of its best.
        seed: seeds batch order and any dropout.

    Returns:
        :class:`LRFinderResult` (``.suggested_lr``, ``.lrs``, ``.losses``, ``.plot()``).
    """
    owner = "lr_range_test"
    check_compiled(owner, model)
    x, y = check_xy(owner, x, y)
    min_lr = check_float(owner, "min_lr", min_lr, 0.0)
    max_lr = check_float(owner, "max_lr", max_lr, 0.0)
    if max_lr <= min_lr:
        raise ValueError(f"{owner}: max_lr must be greater than min_lr, got min_lr={min_lr:g} "
                         f"and max_lr={max_lr:g}")
    steps = check_int(owner, "steps", steps, 5)
    batch_size = check_int(owner, "batch_size", batch_size, 1)
    smoothing = check_float(owner, "smoothing", smoothing, 0.0, 1.0, low_inclusive=True,
                            high_inclusive=False)
    diverge_factor = check_float(owner, "diverge_factor", diverge_factor, 1.0)
    seed = check_int(owner, "seed", seed, 0)
    if plot_path is not None:
        if not isinstance(plot_path, (str, os.PathLike)):
            raise ValueError(f"{owner}: plot_path must be a file path, got "
                             f"{describe(plot_path)}")
        plot_path = os.fspath(plot_path)
        folder = os.path.dirname(os.path.abspath(plot_path))
        if not os.path.isdir(folder):
            raise ValueError(f"{owner}: plot_path's folder {folder!r} does not exist")
        import matplotlib  # noqa: F401  (fail before training when it is missing)
    if optimizers_mod.needs_closure(getattr(model.compiled, "optimizer", None)) or \
            getattr(model.compiled, "needs_closure", False):
        raise ValueError(f"{owner}: the model is compiled with L-BFGS, which searches its own "
                         f"step size; compile with a first-order optimizer (sgd, adam, ...)")

    lrs_all = min_lr * (max_lr / min_lr) ** (np.arange(steps) / (steps - 1))
    rng = np.random.default_rng(seed)
    lrs: list[float] = []
    losses: list[float] = []
    diverged = False
    with preserved_rng(seed):
        work = training_copy(model)
        ensure_built(work, take(x, np.arange(min(2, len(x)))))
        trainer = work.compiled
        if trainer.optimizer is None:
            params = [p for p in work.parameters() if p.requires_grad]
            trainer.optimizer = optimizers_mod.get(trainer.optimizer_spec, params)
        groups = trainer.optimizer.param_groups
        # parameter groups keep their ratios to the first group's rate (e.g. fine-tuning)
        ratios = [g["lr"] / groups[0]["lr"] if groups[0]["lr"] else 1.0 for g in groups]
        order = rng.permutation(len(x))
        cursor, avg, best = 0, 0.0, math.inf
        for i, lr in enumerate(lrs_all):
            if cursor + batch_size > len(order) and cursor > 0:
                order, cursor = rng.permutation(len(x)), 0
            index = order[cursor:cursor + batch_size]
            cursor += batch_size
            for group, ratio in zip(groups, ratios):
                group["lr"] = float(lr) * ratio
            logs = work.train_on_batch(take(x, index), take(y, index), return_dict=True)
            loss = float(logs["loss"])
            lrs.append(float(lr))
            losses.append(loss)
            if not math.isfinite(loss):
                diverged = True
                break
            avg = smoothing * avg + (1 - smoothing) * loss
            value = avg / (1 - smoothing ** (i + 1))
            best = min(best, value)
            if value > diverge_factor * best:
                diverged = True
                break
    result = _suggest(lrs, losses, smoothing, diverged)
    if plot_path is not None:
        result.plot(plot_path)
        result.plot_path = plot_path
    return result


def _centred(values: np.ndarray, half: int, reduce: Any) -> np.ndarray:
    padded = np.pad(values, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    return reduce(windows, axis=1)


def zero_lag_smooth(losses: list[float], beta: float) -> np.ndarray:
    """A centred running median, then a centred running mean over the same window of
    ``1 + 2 round(0.5 / (1 - beta))`` steps (at least 5): the width of an EMA with
    factor ``beta``, without its lag of about ``1 / (1 - beta)`` steps, which would shift
    the suggestion to larger rates. Both are local, so the huge losses of a diverging
    run cannot leak into the dip before it. A non-finite last loss stays ``inf``.
    """
    values = np.asarray(losses, dtype=float)
    k = int(np.isfinite(values).cumprod().sum())
    out = np.full(len(values), np.inf)
    if k:
        half = max(2, round(0.5 / (1 - beta)))
        out[:k] = _centred(_centred(values[:k], half, np.median), half, np.mean)
    return out


def _suggest(lrs: list[float], losses: list[float], smoothing: float,
             diverged: bool) -> LRFinderResult:
    values = zero_lag_smooth(losses, smoothing)
    finite = np.isfinite(values)
    best = int(np.argmin(np.where(finite, values, np.inf)))
    min_loss_lr = lrs[best]
    steepest = None
    if best >= 2:
        # Derivative of the smoothed loss per decade of lr, up to the minimum.
        grad = np.gradient(values[:best + 1], np.log10(np.asarray(lrs[:best + 1])))
        i = int(np.argmin(grad))
        if grad[i] < 0:
            steepest = lrs[i]
    suggested = steepest if steepest is not None else min_loss_lr / 10
    return LRFinderResult(lrs, losses, [float(v) for v in values], steepest, min_loss_lr,
                          suggested, diverged)


__all__ = ["LRFinderResult", "lr_range_test"]
