"""``model.to_json()`` and ``model_from_json(json_string)``: the architecture alone, as
Keras writes it (``{"class_name": ..., "config": ...}``); weights are not included."""
from __future__ import annotations

import json
from typing import Any, Dict, Optional

from ...errors import ConfigError
from ...layers.base.config_values import layer_from_config, layer_to_config


def to_json(model, **kwargs: Any) -> str:
    """The model's class name and config as a JSON string (``json.dumps`` kwargs pass)."""
    return json.dumps(layer_to_config(model), **kwargs)


def model_from_json(json_string: str, custom_objects: Optional[Dict[str, Any]] = None):
    """A new model (fresh weights) from ``to_json``'s string; only registered layer
    classes (or ``custom_objects``) are created."""
    try:
        config = json.loads(json_string)
    except (TypeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"model_from_json: not a JSON string ({exc})") from exc
    return layer_from_config(config, custom_objects)
