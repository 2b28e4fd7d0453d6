"""Crash-safe resume for ``fit(..., checkpoint_dir=...)``.

At every epoch end the trainer writes ``checkpoint_dir/last.ckpt`` atomically (temporary
file, fsync, ``os.replace``): model weights, optimizer state, the epoch, the history so
far and the RNG states of python, numpy and torch. A process killed at any moment
leaves either the previous checkpoint or the new one, never a torn file. Calling the
same ``fit`` again loads it and continues with the next epoch, drawing the same
shuffles an uninterrupted run would have drawn.

The file holds only tensors and plain python values and is read with
``torch.load(..., weights_only=True)``: nothing in it is executed.
"""
from __future__ import annotations

import json
import os
import random
from typing import Any, Dict, Optional

import numpy as np
import torch

from ..errors import ConfigError
from ..models.serialization import by_position
from ..utils.io import atomic_write

FILENAME = "last.ckpt"


def _rng_state() -> Dict[str, Any]:
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    return {"torch": torch.get_rng_state(),
            "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)),
                      "pos": int(pos), "has_gauss": int(has_gauss), "cached": float(cached)},
            "python": json.dumps(random.getstate())}


def _set_rng_state(state: Dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state((n["kind"], n["keys"].numpy().astype(np.uint32), n["pos"],
                         n["has_gauss"], n["cached"]))
    version, internal, gauss = json.loads(state["python"])
    random.setstate((version, tuple(internal), gauss))


class CheckpointState:
    """Reads and writes the resume checkpoint in ``directory``."""

    def __init__(self, directory: str):
        self.directory = os.fspath(directory)
        self.path = os.path.join(self.directory, FILENAME)

    def save(self, model, optimizer, epoch: int, history,
             optimizers: Optional[Dict[str, Any]] = None) -> None:
        """``optimizer``: the fit loop's torch optimizer (or None); ``optimizers``: every
        other optimizer by name (a custom train_step's ``d_optimizer``, ...)."""
        state = {"format": "nnlab-checkpoint", "epoch": epoch,
                 "model": {k: v.detach().clone() for k, v in model.state_dict().items()},
                 "optimizer": optimizer.state_dict() if optimizer is not None else {},
                 "optimizers": {k: o.state_dict() for k, o in (optimizers or {}).items()},
                 "history": json.dumps({"history": history.history, "epoch": history.epoch}),
                 "rng": _rng_state()}
        atomic_write(self.path, lambda tmp: torch.save(state, tmp))

    def restore(self, model, optimizer, history,
                optimizers: Optional[Dict[str, Any]] = None) -> int:
        """Load the checkpoint if there is one; return the epoch to start from."""
        if not os.path.exists(self.path):
            return 0
        try:
            state = torch.load(self.path, map_location="cpu", weights_only=True)
        except Exception as exc:
            raise ConfigError(f"Cannot read the resume checkpoint {self.path!r}: {exc}. "
                              f"Delete it to start training from scratch.") from exc
        if not isinstance(state, dict) or state.get("format") != "nnlab-checkpoint":
            raise ConfigError(f"{self.path!r} is not an nnlab fit checkpoint")
        weights = state["model"]
        if set(weights) != set(model.state_dict()):
            # Same architecture built in another order of layer creation (other auto names).
            weights = by_position(model.state_dict(), weights, list(weights)) or weights
        try:
            model.load_state_dict(weights, strict=True)
        except RuntimeError as exc:
            raise ConfigError(f"The checkpoint in {self.directory!r} belongs to another "
                              f"architecture than model {model.name!r}: {exc}") from exc
        if optimizer is not None:
            optimizer.load_state_dict(state["optimizer"])
        saved_opts = state.get("optimizers", {})
        for name, opt in (optimizers or {}).items():
            if name not in saved_opts:
                raise ConfigError(f"The checkpoint in {self.directory!r} holds no state for "
                                  f"optimizer {name!r} (it has {sorted(saved_opts)}); delete "
                                  f"it to start training from scratch.")
            opt.load_state_dict(saved_opts[name])
        saved = json.loads(state["history"])
        history.history = {k: list(v) for k, v in saved["history"].items()}
        history.epoch = list(saved["epoch"])
        _set_rng_state(state["rng"])
        return int(state["epoch"]) + 1
