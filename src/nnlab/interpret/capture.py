"""Layer outputs of any ``nn.Module`` through forward hooks, stopping the forward pass as
soon as the last requested layer has run (so a style loss on EfficientNet's early blocks
costs only those blocks)."""
from __future__ import annotations

from typing import Dict, List, Sequence, Union

import torch
from torch import nn

from ._common import resolve_layer


class _Done(Exception):
    """Raised inside a hook once every requested layer has produced its output."""


class LayerOutputs(nn.Module):
    """``LayerOutputs(model, ["block2a_expand_activation", ...])(x)`` -> list of the
    layers' outputs for input ``x`` (in the order asked), gradients intact.

    Args:
        model: any ``nn.Module``; layers by nnlab name, ``named_modules`` path, or module.
        layers: one or more layers. Unknown names raise ValueError listing the names.
        stop_early: abort the forward pass after the last requested layer ran.
    """

    def __init__(self, model: nn.Module, layers: Union[str, nn.Module, Sequence],
                 stop_early: bool = True) -> None:
        super().__init__()
        if isinstance(layers, (str, nn.Module)):
            layers = [layers]
        if not layers:
            raise ValueError("layers must name at least one layer")
        self.model = model
        self.names = [getattr(m, "name", str(m)) if not isinstance(m, str) else m for m in layers]
        self.modules_ = [resolve_layer(model, layer) for layer in layers]
        self.stop_early = stop_early

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        store: Dict[int, torch.Tensor] = {}
        wanted = {id(m) for m in self.modules_}

        def hook(module, args, output):
            store[id(module)] = output
            if self.stop_early and wanted.issubset(store):
                raise _Done

        handles = [m.register_forward_hook(hook) for m in self.modules_]
        try:
            self.model(x)
        except _Done:
            pass
        finally:
            for h in handles:
                h.remove()
        missing = [n for n, m in zip(self.names, self.modules_) if id(m) not in store]
        if missing:
            raise ValueError(f"layers {missing} did not run in the model's forward pass")
        return [store[id(m)] for m in self.modules_]
