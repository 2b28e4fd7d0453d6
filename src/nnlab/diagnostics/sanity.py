"""Two sanity checks to run before a long training (CS231n, "babysitting the learning process").

1. :func:`check_initial_loss` -- an untrained classifier is uncertain, so its loss should
   be the loss of uniform guessing: ``log(C)`` for softmax cross-entropy over ``C``
   classes (2.303 for 10), ``log(2)`` for a sigmoid with binary cross-entropy, ``C - 1``
   for the multiclass SVM loss with margin 1 (scores near 0).
2. :func:`overfit_small_subset` -- a model that cannot drive the loss to about zero on
   20 samples has a bug (or a learning rate far off); no point training on everything.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .. import losses as losses_mod
from ._common import (
    accuracy,
    check_compiled,
    check_float,
    check_int,
    check_module,
    check_xy,
    class_ids,
    describe,
    preserved_rng,
    take,
    to_numpy,
    training_copy,
)

_CE = ("categorical_crossentropy", "sparse_categorical_crossentropy")


def _to_tensor(a: Any) -> torch.Tensor:
    t = a if isinstance(a, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(a))
    return t.float() if t.dtype == torch.float64 else t


def _loss_kind(loss: Any) -> str | None:
    """``'ce'``, ``'bce'``, ``'svm'`` or ``None`` (no known chance-level loss)."""
    fn = getattr(loss, "fn", None)
    name = getattr(fn, "__name__", None) or getattr(loss, "name", "")
    if name in _CE:
        return "ce"
    if name == "binary_crossentropy":
        return "bce"
    if name == "multiclass_hinge":
        return "svm"
    return None


@dataclass
class InitialLossReport:
    """What :func:`check_initial_loss` found.

    Attributes:
        loss: the model's data loss on the batch (inference mode).
        expected: the chance-level loss (``log(C)`` for softmax cross-entropy).
        num_classes: ``C``, the last axis of the model's output.
        relative_difference: ``|loss - expected| / expected``.
        ok: ``relative_difference <= tolerance``.
        regularization: the weight penalties the compiled loss would add (0 if none).
        advice: what to look at when the check fails (empty when it passes).
    """
    loss: float
    expected: float
    num_classes: int
    loss_name: str
    relative_difference: float
    tolerance: float
    regularization: float = 0.0
    advice: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.relative_difference <= self.tolerance)

    @property
    def verdict(self) -> str:
        if self.ok:
            return "ok"
        return "too high" if self.loss > self.expected else "too low"

    def __str__(self) -> str:
        lines = [(f"Initial loss ({self.loss_name}, {self.num_classes} classes): "
                  f"{self.loss:.4f}, expected {self.expected:.4f} at chance -> "
                  f"{self.relative_difference:.1%} off: {self.verdict}")]
        if self.regularization:
            lines.append(f"  (the compiled loss adds {self.regularization:.4f} of weight "
                         f"penalties on top; the lecture checks the data loss first)")
        lines += [f"  - {a}" for a in self.advice]
        return "\n".join(lines)


def check_initial_loss(model: torch.nn.Module, x: Any, y: Any, loss: Any = None,
                       tolerance: float = 0.1, batch_size: int = 256) -> InitialLossReport:
    """Compare an untrained classifier's loss with the loss of uniform guessing.

    With small random weights every class gets probability ``1/C``, so softmax
    cross-entropy is ``L = -log(1/C) = log(C)`` (2.303 for ``C = 10``); binary
    cross-entropy is ``log(2) = 0.693``; the multiclass SVM loss
    ``sum_{j != y} max(0, s_j - s_y + margin)`` is ``(C - 1) * margin``.

    Args:
        model: the (untrained) model; run in inference mode, no gradient, mode restored.
            An unbuilt model is built by this first call, as by any first call.
        x: a batch of inputs ``(batch, ...)``, numpy or torch.
        y: its labels: integers ``(batch,)`` or one-hot ``(batch, C)``.
        loss: a loss name or object; default the compiled loss, else softmax
            cross-entropy (sparse for integer labels).
        tolerance: the relative difference ``|L - expected| / expected`` accepted.
        batch_size: forward ``x`` in chunks of this size.

    Returns:
        :class:`InitialLossReport` (``.loss``, ``.expected``, ``.ok``, ``.advice``).

    Raises:
        ValueError: bad arguments, or a loss with no known chance level.
    """
    owner = "check_initial_loss"
    check_module(owner, "model", model)
    x, y = check_xy(owner, x, y)
    tolerance = check_float(owner, "tolerance", tolerance, 0.0)
    batch_size = check_int(owner, "batch_size", batch_size, 1)
    loss_obj = _resolve_loss(owner, model, y, loss)
    kind = _loss_kind(loss_obj)
    if kind is None:
        raise ValueError(f"{owner}: loss must be softmax cross-entropy (categorical or "
                         f"sparse), binary cross-entropy or the multiclass SVM loss, whose "
                         f"chance level is known; got {getattr(loss_obj, 'name', loss_obj)!r}")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            outs = [model(_to_tensor(x[i:i + batch_size])) for i in range(0, len(x),
                                                                            batch_size)]
    finally:
        model.train(was_training)
    if not all(isinstance(o, torch.Tensor) for o in outs):
        raise ValueError(f"{owner}: the model must have a single output tensor, got "
                         f"{describe(outs[0])}")
    pred = torch.cat(outs).float()
    classes = int(pred.shape[-1]) if pred.ndim > 1 else 1
    with torch.no_grad():
        value = float(loss_obj(_to_tensor(y), pred))
        reg = model.regularization_loss() if hasattr(model, "regularization_loss") else 0.0
    config = loss_obj.get_config() if hasattr(loss_obj, "get_config") else {}
    if kind == "ce":
        if classes < 2:
            raise ValueError(f"{owner}: softmax cross-entropy needs an output of C >= 2 "
                             f"classes, the model's output has shape {tuple(pred.shape)}")
        expected = math.log(classes)
    elif kind == "bce":
        expected = math.log(2.0)
    else:
        expected = (classes - 1) * float(config.get("margin", 1.0))
    rel = abs(value - expected) / expected
    report = InitialLossReport(value, expected, classes, getattr(loss_obj, "name", str(kind)),
                               rel, tolerance, float(reg))
    if not report.ok:
        report.advice = _advice(report, kind, pred, bool(config.get("from_logits", False)))
    return report


def _resolve_loss(owner: str, model: Any, y: Any, loss: Any) -> Any:
    if loss is None:
        trainer = getattr(model, "compiled", None)
        compiled = [item for item in getattr(trainer, "losses", []) if item is not None]
        if len(compiled) == 1:
            return compiled[0]
        if len(compiled) > 1:
            raise ValueError(f"{owner}: the model has {len(compiled)} losses; pass loss= for "
                             f"the classification output")
        y_np = to_numpy(y)
        loss = "sparse_categorical_crossentropy" if y_np.ndim == 1 or (
            y_np.ndim == 2 and y_np.shape[1] == 1) else "categorical_crossentropy"
    try:
        return losses_mod.get(loss)
    except (KeyError, ValueError, TypeError) as err:
        raise ValueError(f"{owner}: loss must be a loss name or object, got {describe(loss)}: "
                         f"{err}") from None


def _advice(report: InitialLossReport, kind: str, pred: torch.Tensor,
            from_logits: bool) -> list[str]:
    advice = []
    probabilities = bool((pred >= 0).all() and (pred <= 1).all())
    sums_to_one = bool(((pred.sum(-1) - 1).abs() <= 1e-3).all())
    if kind == "ce" and not from_logits and not (probabilities and sums_to_one):
        advice.append("the outputs are not probabilities: end the model with "
                      "activation='softmax' or use the loss with from_logits=True")
    if report.loss > report.expected:
        advice.append("the network is confidently wrong at initialisation: the last layer's "
                      "weights (or the input scale) are too large -- use a Glorot/He "
                      "initialiser and normalise the inputs (zero mean, unit variance)")
        advice.append("check that the labels match the outputs (class ids in [0, C), one-hot "
                      "in the right order)")
    else:
        advice.append("the loss is below chance before training: the model is already "
                      "trained (or loaded from a checkpoint), or the labels leak into the "
                      "inputs")
    return advice


# ---------------------------------------------------------------------------- overfit
@dataclass
class OverfitReport:
    """What :func:`overfit_small_subset` found.

    Attributes:
        n: samples trained on; epochs: epochs run.
        initial_loss / final_loss: the training loss of the first epoch and the loss on
            the subset after training (inference mode).
        accuracy: training accuracy on the subset after training (``None`` when the
            targets are not class labels).
        reached_target: ``accuracy >= target_accuracy``.
        loss_near_zero: ``final_loss <= loss_fraction * initial_loss``.
        ok: both.
        history: the ``History.history`` dict of the run.
    """
    n: int
    epochs: int
    initial_loss: float
    final_loss: float
    accuracy: float | None
    target_accuracy: float
    loss_fraction: float
    history: dict[str, list] = field(default_factory=dict, repr=False)

    @property
    def reached_target(self) -> bool:
        return self.accuracy is None or self.accuracy >= self.target_accuracy

    @property
    def loss_near_zero(self) -> bool:
        return bool(self.final_loss <= self.loss_fraction * self.initial_loss)

    @property
    def ok(self) -> bool:
        return self.reached_target and self.loss_near_zero

    def __str__(self) -> str:
        acc = "n/a" if self.accuracy is None else f"{self.accuracy:.1%}"
        text = (f"Overfit {self.n} samples for {self.epochs} epochs: loss {self.initial_loss:.4f}"
                f" -> {self.final_loss:.4f}, training accuracy {acc} (target "
                f"{self.target_accuracy:.0%}): {'ok' if self.ok else 'FAILED'}")
        if self.reached_target and not self.loss_near_zero:
            text += (f"\n  - the samples are classified right but the loss is still above "
                     f"{self.loss_fraction:g} x its start: train longer (epochs=) or raise "
                     f"the learning rate")
        elif not self.ok:
            text += ("\n  - a model that cannot memorise a handful of samples has a bug "
                     "(labels shuffled apart from inputs, wrong loss for the output, frozen "
                     "layers) or a learning rate far too low/high; also try without "
                     "regularisation and dropout")
        return text


def overfit_small_subset(model: torch.nn.Module, x: Any, y: Any, n: int = 20,
                         epochs: int = 200, target_accuracy: float = 1.0,
                         batch_size: int | None = None, loss_fraction: float = 0.1,
                         seed: int = 0) -> OverfitReport:
    """Train on ``n`` samples and report whether the model memorises them.

    The training runs on a deep copy of the compiled model with a fresh optimizer state:
    the model you pass (weights, optimizer state) and the global random state are left
    as they were. Regularisation and dropout stay as compiled.

    Passes when the training accuracy on the subset reaches ``target_accuracy`` and the
    loss falls near zero: ``final_loss <= loss_fraction * initial_loss``.

    Args:
        model: a compiled nnlab model.
        x, y: data ``(samples, ...)`` and targets; ``n`` of them are drawn at random.
        n: subset size. epochs: passes over the subset.
        target_accuracy: in ``(0, 1]``.
        batch_size: default ``n`` (full-batch steps, one per epoch).
        loss_fraction: "near zero" relative to the first epoch's loss.
        seed: seeds the subset choice, the shuffling and any dropout.

    Returns:
        :class:`OverfitReport`.
    """
    owner = "overfit_small_subset"
    check_compiled(owner, model)
    x, y = check_xy(owner, x, y)
    n = check_int(owner, "n", n, 1)
    if n > len(x):
        raise ValueError(f"{owner}: n must be <= the number of samples ({len(x)}), got {n}")
    epochs = check_int(owner, "epochs", epochs, 1)
    target_accuracy = check_float(owner, "target_accuracy", target_accuracy, 0.0, 1.0)
    batch_size = n if batch_size is None else check_int(owner, "batch_size", batch_size, 1)
    loss_fraction = check_float(owner, "loss_fraction", loss_fraction, 0.0, 1.0)
    seed = check_int(owner, "seed", seed, 0)
    index = np.sort(np.random.default_rng(seed).choice(len(x), size=n, replace=False))
    xs, ys = take(x, index), take(y, index)
    with preserved_rng(seed):
        work = training_copy(model)
        history = work.fit(xs, ys, epochs=epochs, batch_size=batch_size, verbose=0,
                           shuffle=True)
        logs = work.evaluate(xs, ys, batch_size=batch_size, verbose=0, return_dict=True)
        pred = work.predict(xs, batch_size=batch_size)
    acc = accuracy(ys, pred) if isinstance(pred, np.ndarray) and class_ids(ys) is not None \
        else None
    losses = history.history.get("loss", [math.nan])
    return OverfitReport(n, len(losses), float(losses[0]), float(logs["loss"]), acc,
                         target_accuracy, loss_fraction, dict(history.history))


__all__ = ["InitialLossReport", "OverfitReport", "check_initial_loss", "overfit_small_subset"]
