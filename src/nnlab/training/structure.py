"""How fit sees the structure of inputs, targets and outputs (one or several)."""
from __future__ import annotations

from typing import Any, List, Sequence


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



def targets_by_name(y: Any, names: List[str], aliases: List[List[str]], what: str = "y",
                    optional: Sequence[int] = ()) -> Any:
    """``y`` in the model's output order: a dict of targets is matched by output name
    (Keras' rule), never by its order; an unknown or missing name is a ValueError naming
    both. ``aliases[i]`` are further names of output ``i`` (its layer's name, the key of
    a dict-output model). Outputs in ``optional`` (those compiled with a ``None`` loss)
    may be missing: then the result is a list with ``None`` there. Anything but a dict
    is returned as it is."""
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
    missing = [names[i] for i, v in enumerate(ordered) if v is None and i not in optional]
    if missing:
        raise ValueError(f"{what}: no targets for output(s) {missing}; got targets for "
                         f"{list(y)}")
    if any(v is None for v in ordered):
        return ordered
    return ordered[0] if len(names) == 1 else ordered


def trained_targets(ys: List[Any], losses: List[Any], names: List[str], what: str) -> Any:
    """Targets for a model whose ``compile(loss=[...])`` has ``None`` entries (Keras: that
    output is not trained). ``ys``: one entry per output, ``None`` where none was given;
    an output with a loss must have targets (ValueError naming it). With every output's
    targets given they are all kept (metrics of an untrained output use them); else only
    the trained outputs' targets, in output order (one array for one trained output)."""
    for i, (t, loss) in enumerate(zip(ys, losses)):
        if t is None and loss is not None:
            raise ValueError(f"{what}: no targets for output {names[i]!r}, which is trained "
                             f"with loss {getattr(loss, 'name', loss)!r}; outputs are {names}")
    if any(t is None for t in ys):
        ys = [t for t, loss in zip(ys, losses) if loss is not None]
    return ys[0] if len(ys) == 1 else list(ys)


def spread_targets(y: Any, losses: List[Any]) -> List[Any]:
    """One batch's targets as one entry per output, ``None`` for an untrained output
    (``None`` loss) whose targets were not given: ``y`` holds either every output's
    targets or only the trained outputs' (one array when one output is trained, as
    Keras takes ``fit(x, y)`` for ``loss=[fn, None]``)."""
    ys = outputs(y)
    trained = [i for i, loss in enumerate(losses) if loss is not None]
    if len(ys) == len(trained) < len(losses):
        spread: List[Any] = [None] * len(losses)
        for i, t in zip(trained, ys):
            spread[i] = t
        return spread
    return ys
