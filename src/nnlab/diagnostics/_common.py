"""Shared helpers of the diagnostics: argument checks, data slicing, a training copy of a
model, and a context that keeps the user's random state untouched."""
# ruff: noqa: TRY004 -- bad arguments raise ValueError naming the argument (nnlab's rule)
from __future__ import annotations

import contextlib
import copy
import math
import random
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch


def describe(value: Any) -> str:
    """``value`` as an error message shows it: repr and type, shapes for arrays."""
    if isinstance(value, (np.ndarray, torch.Tensor)):
        return f"{type(value).__name__} of shape {tuple(value.shape)}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def check_int(owner: str, name: str, value: Any, minimum: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value < minimum:
        raise ValueError(f"{owner}: {name} must be an int >= {minimum}, got {describe(value)}")
    return int(value)


def check_float(owner: str, name: str, value: Any, low: float = 0.0, high: float = math.inf,
                low_inclusive: bool = False, high_inclusive: bool = True) -> float:
    ok = isinstance(value, (int, float, np.integer, np.floating)) and \
        not isinstance(value, (bool, np.bool_)) and math.isfinite(float(value))
    if ok:
        v = float(value)
        ok = (v >= low if low_inclusive else v > low) and (v <= high if high_inclusive
                                                            else v < high)
    if not ok:
        left = "[" if low_inclusive else "("
        right = "]" if high_inclusive else ")"
        raise ValueError(f"{owner}: {name} must be a finite number in {left}{low}, {high}{right}, "
                         f"got {describe(value)}")
    return float(value)


def check_module(owner: str, name: str, model: Any) -> torch.nn.Module:
    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"{owner}: {name} must be a torch.nn.Module (an nnlab layer or model), "
                         f"got {describe(model)}")
    return model


def check_compiled(owner: str, model: Any) -> None:
    check_module(owner, "model", model)
    trainer = getattr(model, "compiled", None)
    if trainer is None or not hasattr(model, "train_on_batch"):
        raise ValueError(f"{owner}: model must be a compiled nnlab model (call "
                         f"model.compile(optimizer, loss, metrics=[...]) first), got "
                         f"{type(model).__name__} {'without compile()' if trainer is None else ''}"
                         .rstrip())
    if all(loss is None for loss in trainer.losses):
        raise ValueError(f"{owner}: the model was compiled without a loss; call "
                         f"model.compile(optimizer, loss=...)")


def as_array(owner: str, name: str, value: Any) -> Any:
    """numpy arrays and torch tensors pass; lists become numpy arrays; else ValueError."""
    if isinstance(value, (np.ndarray, torch.Tensor)):
        return value
    if isinstance(value, (list, tuple)) and value and not isinstance(
            value[0], (np.ndarray, torch.Tensor)):
        return np.asarray(value)
    raise ValueError(f"{owner}: {name} must be a numpy array or torch tensor (one input, one "
                     f"output), got {describe(value)}")


def check_xy(owner: str, x: Any, y: Any) -> tuple:
    """Validate a pair of arrays with the same number of rows (at least one)."""
    x = as_array(owner, "x", x)
    y = as_array(owner, "y", y)
    if x.ndim == 0 or len(x) == 0:
        raise ValueError(f"{owner}: x must hold at least one sample, got {describe(x)}")
    if len(y) != len(x):
        raise ValueError(f"{owner}: x and y must have the same number of samples, got "
                         f"{len(x)} in x and {len(y)} in y")
    return x, y


def take(a: Any, index: np.ndarray) -> Any:
    """Rows ``index`` of a numpy array or torch tensor."""
    if isinstance(a, torch.Tensor):
        return a[torch.as_tensor(index, device=a.device)]
    return a[index]


def to_numpy(a: Any) -> np.ndarray:
    return a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)


def class_ids(y: Any) -> np.ndarray | None:
    """Integer class ids from sparse labels ``(n,)``/``(n, 1)`` or one-hot ``(n, C)``;
    ``None`` when ``y`` does not look like classification labels."""
    y = to_numpy(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim == 1:
        if y.dtype.kind in "iub" or (y.dtype.kind == "f" and np.all(y == np.round(y))):
            return y.astype(np.int64)
        return None
    if y.ndim == 2 and y.dtype.kind in "iubf" and np.all((y == 0) | (y == 1)) and \
            np.all(y.sum(1) == 1):
        return y.argmax(1)
    return None


def accuracy(y_true: Any, y_pred: np.ndarray) -> float | None:
    """Fraction of correct predictions: argmax of ``(n, C)`` scores, or ``p > 0.5`` for one
    sigmoid output ``(n, 1)``. ``None`` when the targets are not class labels."""
    labels = class_ids(y_true)
    if labels is None or y_pred.ndim != 2:
        return None
    pred = (y_pred[:, 0] > 0.5).astype(np.int64) if y_pred.shape[1] == 1 else y_pred.argmax(1)
    return float((pred == labels).mean())


def training_copy(model: torch.nn.Module) -> torch.nn.Module:
    """A deep copy of a compiled model (weights, compile settings) with a fresh optimizer
    state, so that training it leaves the user's model and optimizer untouched."""
    work = copy.deepcopy(model)
    optimizer = getattr(work.compiled, "optimizer", None)
    if optimizer is not None:
        optimizer.state.clear()
    return work


def ensure_built(model: torch.nn.Module, x_sample: Any) -> None:
    """Build a lazily built model with one forward pass on a couple of samples (inference
    mode, no gradient), as its first ``fit`` would."""
    lazy = any(getattr(m, "built", True) is False for m in model.modules())
    if not lazy and any(True for _ in model.parameters()):
        return
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            if isinstance(x_sample, np.ndarray):
                x_sample = torch.from_numpy(np.ascontiguousarray(x_sample))
            model(x_sample.float() if x_sample.dtype == torch.float64 else x_sample)
    finally:
        model.train(was_training)


@contextlib.contextmanager
def preserved_rng(seed: int | None) -> Iterator[None]:
    """Seed python, numpy and torch (CPU) with ``seed`` inside the block and give the
    caller's random state back afterwards (``seed=None``: only preserve)."""
    py_state = random.getstate()
    np_state = np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            random.seed(seed)
            np.random.seed(seed % (2 ** 32))
            torch.manual_seed(seed)
        try:
            yield
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)


def format_table(header: list, rows: list) -> str:
    """A plain text table with right-aligned columns (left-aligned first column)."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]

    def line(row):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(row, widths)))

    out = [line(cells[0]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells[1:]]
    return "\n".join(out)
