"""Checks run on the first batch of a ``fit``, before the first optimizer step.

In-memory arrays are checked whole before training (``data_adapter``, ``targets``);
a Dataset or generator can only be checked as it yields. Either way, the first batch
goes once through the model, the loss and every metric -- without gradients, in
inference mode (no dropout, no moving-statistics update, no random numbers drawn) --
so a mistake that would otherwise surface only after one or more optimizer steps
(labels out of range, a metric that does not fit the targets, an Embedding id out of
range) raises a clear error while the weights are still untouched.
"""
from __future__ import annotations

from typing import Any, List, Tuple

import torch

from ..errors import ShapeError
from .structure import outputs, spread_targets
from .targets import check_targets

_ONE_HOT_METRICS = ("CategoricalAccuracy", "TopKCategoricalAccuracy", "CategoricalCrossentropy")
_SPARSE_METRICS = ("SparseCategoricalAccuracy", "SparseTopKCategoricalAccuracy")


def _shape(t: Any) -> Any:
    return tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__


def _metric_mismatch(metric: Any, y: torch.Tensor, pred: torch.Tensor) -> str:
    kind = type(metric).__name__
    if kind in _ONE_HOT_METRICS and y.dim() < pred.dim():
        return (f"it needs one-hot targets shaped like the predictions {_shape(pred)}, got "
                f"integer labels {_shape(y)}: use 'sparse_categorical_accuracy' (or "
                f"'accuracy') for integer labels")
    if kind in _SPARSE_METRICS and y.dim() == pred.dim() and y.shape[-1] > 1:
        return (f"it needs integer labels, got one-hot targets {_shape(y)}: use "
                f"'categorical_accuracy' (or 'accuracy')")
    if kind == "AUC" and pred.dim() > 1 and pred.shape[-1] > 1 and \
            not getattr(metric, "multi_label", False):
        return (f"AUC is a binary metric: predictions {_shape(pred)} have "
                f"{pred.shape[-1]} classes. Use AUC(multi_label=True) with one-hot targets, "
                f"or a one-unit sigmoid output")
    return ""


def _graph_is_call(model: Any, base: type) -> bool:
    """True when ``model`` runs its ``base`` graph as is (no subclass overrides the call)."""
    for cls in type(model).__mro__:
        if cls is base:
            return True
        if "call" in cls.__dict__ or "forward" in cls.__dict__:
            return False
    return False


def embedding_feeds(model: Any, x: Any) -> List[Tuple[Any, torch.Tensor]]:
    """``(Embedding, ids)`` pairs where the model certainly feeds that array of ``x``
    unchanged into that Embedding: a Sequential whose first layer is an Embedding, or a
    functional model's ``Input`` consumed directly by an Embedding. Anything else -- a
    subclassed model slicing columns, a Lambda or cast in between -- gives no pair: a
    check that guesses could refuse valid input."""
    from ..models.functional import Functional
    from ..models.sequential import Sequential
    if isinstance(model, Sequential) and _graph_is_call(model, Sequential):
        layers = [m for m in model.layers if type(m).__name__ != "InputLayer"]
        if layers and type(layers[0]).__name__ == "Embedding" and isinstance(x, torch.Tensor):
            return [(layers[0], x)]
        return []
    if not (isinstance(model, Functional) and _graph_is_call(model, Functional)):
        return []
    if isinstance(x, torch.Tensor):
        arrays = [x] if len(model.inputs) == 1 else []
    elif isinstance(x, dict):
        arrays = [x.get(name) for name in model.input_names]
    elif isinstance(x, (list, tuple)) and len(x) == len(model.inputs):
        arrays = list(x)
    else:
        arrays = []
    by_input = {id(t): a for t, a in zip(model.inputs, arrays) if isinstance(a, torch.Tensor)}
    pairs = []
    for node in model.nodes:
        if type(node.layer).__name__ == "Embedding" and len(node.args) == 1 and \
                not node.kwargs and id(node.args[0]) in by_input:
            pairs.append((node.layer, by_input[id(node.args[0])]))
    return pairs


def check_embedding_ids(model: Any, x: Any) -> None:
    """Whole-data range check of the ids fed to an Embedding, where the mapping from
    ``x`` to the Embedding is certain (:func:`embedding_feeds`)."""
    for layer, ids in embedding_feeds(model, x):
        if ids.is_floating_point() or not ids.numel():
            continue
        low, high = torch.aminmax(ids)
        if int(low) < 0 or int(high) >= layer.input_dim:
            bad = int(low) if int(low) < 0 else int(high)
            raise ValueError(f"x: layer {layer.name!r} (Embedding) got token id {bad}, "
                             f"outside the valid range [0, {layer.input_dim - 1}] (input_dim="
                             f"{layer.input_dim}). Raise input_dim to the vocabulary size or "
                             f"map unknown tokens to a valid id.")


def check_first_batch(trainer: Any, xb: Any, yb: Any, wb: Any) -> None:
    """Run the first batch through model, loss and metrics without changing anything."""
    model = trainer.model
    if any(getattr(m, "stateful", False) is True for m in model.modules()):
        return  # a forward pass would advance a stateful RNN's state: not side-effect free
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            y_pred = model(xb)
            shapes = [o.shape for o in outputs(y_pred)]
            if yb is not None:
                check_targets(yb, shapes, trainer.output_names, trainer.losses,
                              trainer.output_layer_names())
            if wb is not None:
                n = len(outputs(xb)[0]) if not isinstance(xb, torch.Tensor) else len(xb)
                for w in outputs(wb):
                    if w.dim() == 0 or len(w) != n:
                        raise ValueError(f"sample_weight must hold one weight per sample: the "
                                         f"first batch has {n} samples and "
                                         f"{_shape(w)} weights")
            _dry_loss(trainer, yb, y_pred, wb)
            _dry_metrics(trainer, yb, y_pred)
    finally:
        model.train(was_training)


def _dry_loss(trainer: Any, yb: Any, y_pred: Any, wb: Any) -> None:
    try:
        trainer._loss(yb, y_pred, wb, False)
    except (ValueError, TypeError, ShapeError):
        raise
    except (RuntimeError, IndexError) as exc:
        names = [getattr(loss, "name", type(loss).__name__) for loss in trainer.losses]
        raise ValueError(f"loss {names} cannot be computed on the first batch: targets "
                         f"{[_shape(t) for t in outputs(yb)]} vs predictions "
                         f"{[_shape(p) for p in outputs(y_pred)]} ({exc})") from exc


def _dry_metrics(trainer: Any, yb: Any, y_pred: Any) -> None:
    if yb is None:
        return
    targets: List[Any] = spread_targets(yb, trainer.losses)
    preds: List[Any] = outputs(y_pred)
    for i, group in enumerate(trainer._new_metrics(private=True)):
        for metric in group[:len(group) if targets[i] is not None else 0]:
            name = trainer._metric_name(i, metric)
            problem = _metric_mismatch(metric, targets[i], preds[i])
            if not problem:
                try:
                    metric.update_state(targets[i], preds[i])
                    metric.result()
                    continue
                except (ValueError, TypeError, RuntimeError, IndexError) as exc:
                    problem = f"{type(exc).__name__}: {exc}"
            raise ValueError(f"metric {name!r} cannot be computed for output "
                             f"{trainer.output_names[i]!r} (targets {_shape(targets[i])}, "
                             f"predictions {_shape(preds[i])}): {problem}")
