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


def metrics_per_output(metrics: Any, names: List[str]) -> List[List[Any]]:
    """``compile(metrics=...)`` as one list per output: a list for every output, a dict
    keyed by output name, or a list of lists (one per output)."""
    if metrics is None:
        return [[] for _ in names]
    if isinstance(metrics, dict):
        return [list(metrics.get(n, []) if isinstance(metrics.get(n, []), (list, tuple))
                     else [metrics[n]]) for n in names]
    if not isinstance(metrics, (list, tuple)):
        raise TypeError(f"metrics must be a list (or a dict per output), got "
                        f"{type(metrics).__name__}")
    if len(names) > 1 and metrics and all(isinstance(m, (list, tuple)) for m in metrics):
        return [list(m) for m in metrics]
    return [list(metrics) for _ in names]


def outputs(y: Any) -> List[Any]:
    if isinstance(y, dict):
        return list(y.values())
    return list(y) if isinstance(y, (list, tuple)) else [y]


def output_layer(model, index: int):
    if hasattr(model, "outputs") and isinstance(getattr(model, "outputs"), list):
        return model.outputs[index].history[0]
    layers = getattr(model, "layers", None)
    return layers[-1] if layers and index == 0 else None

