"""Which tensor of a weights file goes into which entry of a model's ``state_dict``.

By name when the names agree; otherwise by position, as Keras' ``load_weights`` does
when layer names differ (``dense_3`` vs ``dense``), when every shape agrees. Used by
``load_model``/``load_weights`` (needs only a file's header) and by the trainer's
checkpoint resume.
"""
from __future__ import annotations

import math
from typing import Any, Dict, Optional

from ...errors import ConfigError
from .file_format import TORCH_DTYPES


def by_position(state: Dict[str, Any], tensors: Dict[str, Any],
                file_order: list) -> Optional[Dict[str, Any]]:
    """Match file tensors to the model's in order (as Keras' load_weights does when layer
    names differ, e.g. ``dense_3`` vs ``dense``); ``None`` unless every shape agrees."""
    if len(file_order) != len(state) or not set(file_order) <= set(tensors):
        return None
    pairs = list(zip(state, file_order))
    if any(tuple(state[k].shape) != tuple(tensors[f].shape) for k, f in pairs):
        return None
    return {k: tensors[f] for k, f in pairs}


class _Shape:
    """A header entry seen as something with ``.shape`` (for :func:`by_position`)."""

    def __init__(self, shape: tuple, dtype: str):
        self.shape, self.dtype = shape, dtype


def match_state(model, file_shapes: Dict[str, tuple], path: str,
           file_order: Optional[list] = None) -> Dict[str, str]:
    """Map each of ``model``'s state names to a file tensor name, or raise ConfigError
    describing every difference (names, shapes, dtypes). Needs only the header."""
    state = model.state_dict()
    files = {k: _Shape(*v) for k, v in file_shapes.items()}
    mapping: Optional[Dict[str, str]] = None
    if set(state) == set(files):
        mapping = {k: k for k in state}
    elif file_order is not None:
        matched = by_position(state, files, file_order)
        if matched is not None:
            mapping = dict(zip(state, file_order))
    if mapping is not None:
        wrong = [f"{k}: file {files[f].shape} vs model {tuple(state[k].shape)}"
                 for k, f in mapping.items() if files[f].shape != tuple(state[k].shape)]
        dtypes = [f"{k}: file {files[f].dtype} vs model {TORCH_DTYPES.get(state[k].dtype)}"
                  for k, f in mapping.items()
                  if files[f].dtype != TORCH_DTYPES.get(state[k].dtype, files[f].dtype)]
        if not wrong and not dtypes:
            return mapping
        parts = ([f"shape mismatch: {'; '.join(wrong[:8])}"] if wrong else []) + \
            ([f"dtype mismatch: {'; '.join(dtypes[:8])}"] if dtypes else [])
    else:
        missing = sorted(set(state) - set(files))
        unexpected = sorted(set(files) - set(state))
        parts = []
        if missing:
            parts.append(f"missing in file: {', '.join(missing[:8])}")
        if unexpected:
            parts.append(f"not in model: {', '.join(repr(u)[1:-1] for u in unexpected[:8])}")
        common = [f"{k}: file {files[k].shape} vs model {tuple(state[k].shape)}"
                  for k in state if k in files and files[k].shape != tuple(state[k].shape)]
        if common:
            parts.append(f"shape mismatch: {'; '.join(common[:8])}")
        if file_order is not None:
            theirs = [files[f].shape for f in file_order if f in files]
            ours = [tuple(t.shape) for t in state.values()]
            parts.append(f"shapes in order: file {theirs[:8]} vs model {ours[:8]}")
    n_values = sum(math.prod(s.shape) for s in files.values())
    raise ConfigError(f"Weights in {path!r} belong to another architecture than model "
                      f"{model.name!r} ({len(files)} tensors, {n_values:,} values in file; "
                      f"{len(state)} in model): " + " | ".join(parts))
