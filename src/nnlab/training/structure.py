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



def targets_by_name(y: Any, names: List[str], aliases: List[List[str]], what: str = "y") -> Any:
    """``y`` in the model's output order: a dict of targets is matched by output name
    (Keras' rule), never by its order; an unknown or missing name is a ValueError naming
    both. ``aliases[i]`` are further names of output ``i`` (its layer's name, the key of
    a dict-output model). Anything but a dict is returned as it is."""
    if not isinstance(y, dict):
        return y
    position = {}
    for i, name in enumerate(names):
        for key in [name] + list(aliases[i] if i < len(aliases) else []):
            position.setdefault(key, i)
    unknown = [k for k in y if k not in position]
    if unknown:
        raise ValueError(f"{what}: unknown output name(s) {unknown}; the model's outputs are "
                         f"{names}. Key the targets by output name.")
    ordered: List[Any] = [None] * len(names)
    for key, value in y.items():
        i = position[key]
        if ordered[i] is not None:
            raise ValueError(f"{what}: two targets ({key!r} and another name) for output "
                             f"{names[i]!r}")
        ordered[i] = value
    missing = [names[i] for i, v in enumerate(ordered) if v is None]
    if missing:
        raise ValueError(f"{what}: no targets for output(s) {missing}; got targets for "
                         f"{list(y)}")
    return ordered[0] if len(names) == 1 else ordered
