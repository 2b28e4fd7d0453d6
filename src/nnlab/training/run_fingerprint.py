"""A fingerprint of a ``fit`` run, stored in its resume checkpoint.

Resuming continues *this* run; a stale or shared ``checkpoint_dir`` that holds another
run (another architecture, optimizer, data or batch size) must not silently take over.
The fingerprint is a small dict of JSON-able parts, compared part by part so the error
says what differs:

- ``architecture``: the layer types in order and every weight's shape and dtype (not
  the layer *names*: a restarted process may number automatic names differently);
- ``optimizer``: the optimizer classes and their hyperparameters except the learning
  rate (callbacks and schedules change it during the run);
- ``data``: the number of samples and every input/target array's per-sample shape and
  dtype (or the kind and length of a Dataset/generator), and the batch size.

The number of epochs is stored beside it and handled by the checkpoint: asking for
more epochs extends the run, asking for fewer than are done is an error.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List

import torch

_SKIP_GROUP_KEYS = ("params", "lr", "initial_lr")
#: how torch runs the update, not what it computes: a run may resume on another kernel
#: (``nnlab.config.set_optimizer_kernel``); older checkpoints recorded these, so they are
#: dropped on both sides of a comparison
_KERNEL_KEYS = ("foreach", "fused", "capturable", "differentiable")


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def architecture(model: torch.nn.Module) -> Dict[str, Any]:
    return {"layers": [type(m).__name__ for m in model.modules()],
            "weights": [[list(t.shape), str(t.dtype).replace("torch.", "")]
                        for t in model.state_dict().values()]}


def optimizer_config(optimizers: List[torch.optim.Optimizer]) -> List[Dict[str, Any]]:
    out = []
    for opt in optimizers:
        groups = [{k: v for k, v in g.items() if k not in _SKIP_GROUP_KEYS + _KERNEL_KEYS}
                  for g in opt.param_groups]
        out.append({"class": type(opt).__name__, "groups": _plain(groups)})
    return out


def _leaf_specs(x: Any) -> Any:
    if x is None:
        return None
    if isinstance(x, dict):
        return {str(k): _leaf_specs(v) for k, v in sorted(x.items())}
    if isinstance(x, (list, tuple)):
        return [_leaf_specs(v) for v in x]
    if isinstance(x, torch.Tensor):
        return [list(x.shape[1:]), str(x.dtype).replace("torch.", "")]
    return type(x).__name__


def data_spec(data: Any, batch_size: int) -> Dict[str, Any]:
    """Samples, per-sample shapes and dtypes of in-memory data; kind/length of a stream."""
    if getattr(data, "n", None) is not None:
        return {"samples": int(data.n), "x": _leaf_specs(data.x), "y": _leaf_specs(data.y),
                "batch_size": batch_size}
    source = getattr(data, "source", data)
    return {"source": type(source).__name__, "batches": data.num_batches(batch_size),
            "batch_size": batch_size}


def fingerprint(model: torch.nn.Module, optimizers: List[torch.optim.Optimizer], data: Any,
                batch_size: int) -> Dict[str, Any]:
    """The parts of a run that a resume must match (see the module docstring)."""
    return _plain({"architecture": architecture(model),
                   "optimizer": optimizer_config(optimizers),
                   "data": data_spec(data, batch_size)})


def _without_kernel(config: Any) -> Any:
    if not isinstance(config, list):
        return config
    return [dict(o, groups=[{k: v for k, v in g.items() if k not in _KERNEL_KEYS}
                            for g in o.get("groups", [])]) if isinstance(o, dict) else o
            for o in config]


def differences(saved: Dict[str, Any], current: Dict[str, Any]) -> List[str]:
    """Human-readable differences between two fingerprints (empty when they match)."""
    out = []
    for part in ("architecture", "optimizer", "data"):
        a, b = saved.get(part), current.get(part)
        if part == "optimizer":
            a, b = _without_kernel(a), _without_kernel(b)
        if a == b:
            continue
        if part == "architecture":
            out.append(f"another architecture (checkpoint: {len(a['weights'])} weights "
                       f"{[w[0] for w in a['weights']][:6]}, this model: {len(b['weights'])} "
                       f"weights {[w[0] for w in b['weights']][:6]})")
        elif part == "optimizer":
            out.append(f"another optimizer (checkpoint: {json.dumps(a)[:200]}, this fit: "
                       f"{json.dumps(b)[:200]})")
        else:
            keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            detail = ", ".join(f"{k}: checkpoint {a.get(k)} vs this fit {b.get(k)}"
                               for k in keys)
            out.append(f"other data ({detail[:400]})")
    return out
