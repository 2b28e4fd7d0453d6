"""Keras 3's build config: the input shape a layer was built for, saved with the model.

A subclassed ``Model`` (or a composite ``Layer``) creates its sublayers in ``__init__``
but their weights only when it is first called, so a model rebuilt from its config has
no weights to load into. Keras 3 saves ``"build_config": {"input_shape": ...}`` next to
the config and calls ``build_from_config`` before loading the weights; so does nnlab
(``save`` writes it, :func:`~nnlab.layers.base.config_values.layer_from_config` applies
it). Shapes are JSON lists: ``[None, 8, 8, 3]``, or a list of them for several inputs.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from torch import nn

from .meta import infer_output_shape


def _to_json(shape: Any) -> Any:
    if isinstance(shape, tuple) and all(v is None or isinstance(v, int) for v in shape):
        return list(shape)
    return [_to_json(s) for s in shape]


def _from_json(value: Any) -> Any:
    """``[None, 8, 8, 3]`` -> ``(None, 8, 8, 3)``; a list of such lists -> a list of tuples."""
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"build_config input_shape: expected a shape (list of ints/None) "
                         f"or a list of shapes, got {value!r}")
    if all(v is None or isinstance(v, int) for v in value):
        return tuple(value)
    return [_from_json(v) for v in value]


def get_build_config(layer: nn.Module) -> Optional[Dict[str, Any]]:
    """``{"input_shape": [...]}`` once ``layer`` was built from a shape, else ``None``."""
    shape = getattr(layer, "_build_shape", None)
    if not getattr(layer, "built", False) or shape is None:
        return None
    return {"input_shape": _to_json(shape)}


def build_from_config(layer: nn.Module, config: Dict[str, Any]) -> None:
    """Build ``layer`` for ``config["input_shape"]``; sublayers that are still unbuilt
    (a subclassed model's) are built by running it once on the meta device (shapes only:
    no compute; their weights are created for real, on the default device)."""
    shape = config.get("input_shape")
    if shape is None:
        return
    shape = _from_json(shape)
    layer.maybe_build(shape)
    if any(not getattr(m, "built", True) for m in layer.modules()):
        infer_output_shape(layer, shape)
