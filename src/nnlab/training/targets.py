"""Checks of the targets against the model's outputs, run once before the first step."""
from __future__ import annotations

from typing import Any, List, Optional

import torch

from .structure import spread_targets


def check_targets(y: Any, out_shapes: List[torch.Size], output_names: List[str],
                  losses: List[Any], layer_names: Optional[List[str]] = None) -> None:
    """Raise ValueError for labels outside [0, classes) (sparse cross-entropy), one-hot
    targets of the wrong width, binary cross-entropy targets outside [0, 1], one label
    per sample for an output that is not ``(batch, classes)``, or a wrong number of
    target arrays. ``y`` may be the whole data or one batch."""
    ys = spread_targets(y, losses)
    if len(ys) != len(out_shapes):
        trained = [n for n, loss in zip(output_names, losses) if loss is not None]
        also = f" ({len(trained)} trained: {trained})" if len(trained) < len(losses) else ""
        raise ValueError(f"The model has {len(out_shapes)} output(s) {output_names}{also} "
                         f"but y has {len(ys)} target array(s)")
    layer_names = layer_names or [None] * len(output_names)
    for name, layer, y, shape, loss in zip(output_names, layer_names, ys, out_shapes, losses):
        if y is None:  # an untrained output (None loss) without targets
            continue
        loss_name = getattr(loss, "name", "")
        classes = shape[-1] if len(shape) > 1 else 1
        lowered = loss_name.lower().replace("_", "")
        if "sparsecategorical" in lowered and len(shape) > 2 and y.dim() == 1:
            raise ValueError(
                f"{loss_name}: output {name!r}"
                + (f" (layer {layer!r})" if layer else "") +
                f" has shape {(None,) + tuple(shape)[1:]} but "
                f"the targets hold one label per sample (shape {tuple(y.shape)}). A "
                f"classifier's last layer must output (batch, classes): add Flatten() (or "
                f"GlobalAveragePooling2D()) before the last Dense layer.")
        if "binarycrossentropy" in lowered or "binaryfocal" in lowered:
            if y.numel() and y.device.type != "meta":
                lo, hi = float(y.min()), float(y.max())
                if lo < 0 or hi > 1:
                    raise ValueError(f"{loss_name}: targets for output {name!r} must be in "
                                     f"[0, 1] (labels 0/1 or probabilities), found "
                                     f"{lo if lo < 0 else hi:g}. For class ids use "
                                     f"'sparse_categorical_crossentropy'.")
        if "sparse_categorical" in loss_name.lower() or "SparseCategorical" in loss_name:
            if y.is_floating_point() and not bool((y == y.round()).all()):
                raise ValueError(f"{loss_name}: labels for output {name!r} must be integer "
                                 f"class ids, got non-integer values")
            ignore = getattr(loss, "ignore_class", None)  # e.g. a padding label
            kept = y if ignore is None else y[y != ignore]
            if kept.numel() == 0:
                continue
            lo, hi = int(kept.min()), int(kept.max())
            if lo < 0 or hi >= classes:
                bad = lo if lo < 0 else hi
                raise ValueError(f"{loss_name}: labels for output {name!r} must be in "
                                 f"[0, {classes}) (the model has {classes} outputs), found "
                                 f"{bad}")
        elif "categorical" in loss_name.lower() or "Categorical" in loss_name:
            if y.dim() < 2 or y.shape[-1] != classes:
                raise ValueError(
                    f"{loss_name}: one-hot targets for output {name!r} must have width "
                    f"{classes} (the model's output is {tuple(shape)[1:]}), got targets of "
                    f"shape {tuple(y.shape)}. For integer labels use "
                    f"'sparse_categorical_crossentropy'.")
