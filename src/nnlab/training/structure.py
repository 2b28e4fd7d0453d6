"""How fit sees the structure of inputs, targets and outputs (one or several)."""
from __future__ import annotations

from typing import Any, List


def as_list(value: Any, names: List[str], what: str) -> List[Any]:
    """A per-output setting given once, as a list, or as a dict keyed by output name."""
    if isinstance(value, dict):
        unknown = set(value) - set(names)
        if unknown:
            raise ValueError(f"{what}: unknown output name(s) {sorted(unknown)}; outputs are "
                             f"{names}")
        return [value.get(n) for n in names]
    if isinstance(value, (list, tuple)) and len(names) > 1:
        if len(value) != len(names):
            raise ValueError(f"{what}: got {len(value)} entries for {len(names)} outputs {names}")
        return list(value)
    return [value] * len(names)


def outputs(y: Any) -> List[Any]:
    if isinstance(y, dict):
        return list(y.values())
    return list(y) if isinstance(y, (list, tuple)) else [y]


def output_layer(model, index: int):
    if hasattr(model, "outputs") and isinstance(getattr(model, "outputs"), list):
        return model.outputs[index].history[0]
    layers = getattr(model, "layers", None)
    return layers[-1] if layers and index == 0 else None

