"""``PruningSchedule``: iterative prune -> fine-tune inside ``fit`` (a Callback).

Han et al. (2015) prune and retrain in several rounds; Zhu and Gupta ("To prune, or not
to prune", 2017) raise the sparsity gradually along ``s_t = s_f (1 - (1 - t/n)^3)``.
At the start of epochs ``begin_epoch, begin_epoch + every, ...`` (``steps`` of them) the
model is pruned to the next sparsity of the schedule; the epochs between and after are
the fine-tuning. Masks persist (``nnlab.compress.pruning``), so pruned weights stay zero.
"""
from __future__ import annotations

from typing import List, Optional, Sequence

from ..callbacks import Callback
from .pruning import check_sparsity, prune_magnitude, sparsity_report

__all__ = ["PruningSchedule"]


class PruningSchedule(Callback):
    """Prune to ``target_sparsity`` over ``steps`` pruning events during ``fit``.

    Args:
        target_sparsity: final fraction of zero weights, in [0, 1).
        steps: number of pruning events (>= 1), one every ``every`` epochs.
        begin_epoch: first epoch that prunes.
        every: epochs between pruning events.
        curve: ``'linear'`` (``s_f * t / n``) or ``'polynomial'`` (Zhu and Gupta's cubic).
        scope / structured / layers: as in :func:`~nnlab.compress.prune_magnitude`.

    ``self.history`` lists ``(epoch, sparsity)`` of each event; ``self.report`` is the
    last :func:`sparsity_report`.
    """

    def __init__(self, target_sparsity: float, steps: int, begin_epoch: int = 0, every: int = 1,
                 curve: str = "linear", scope: str = "layer", structured: bool = False,
                 layers: Optional[Sequence] = None):
        super().__init__()
        self.target_sparsity = check_sparsity(target_sparsity, "target_sparsity")
        for name, v, low in (("steps", steps, 1), ("every", every, 1), ("begin_epoch", begin_epoch, 0)):
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise ValueError(f"PruningSchedule: {name} must be an int >= {low}, got {v!r}")
        if curve not in ("linear", "polynomial"):
            raise ValueError(f"PruningSchedule: curve must be 'linear' or 'polynomial', got {curve!r}")
        if scope not in ("layer", "global"):
            raise ValueError(f"scope must be 'layer' or 'global', got {scope!r}")
        self.steps, self.begin_epoch, self.every, self.curve = steps, begin_epoch, every, curve
        self.scope, self.structured, self.layers = scope, structured, layers
        self.history: List[tuple] = []
        self.report: List[dict] = []

    def sparsity_at(self, t: int) -> float:
        """Sparsity after pruning event ``t`` (1-based)."""
        frac = t / self.steps
        if self.curve == "polynomial":
            frac = 1.0 - (1.0 - frac) ** 3
        return self.target_sparsity * frac

    def on_epoch_begin(self, epoch, logs=None):
        offset = epoch - self.begin_epoch
        if offset < 0 or offset % self.every:
            return
        t = offset // self.every + 1
        if t > self.steps:
            return
        s = self.sparsity_at(t)
        prune_magnitude(self.model, s, scope=self.scope, structured=self.structured,
                        layers=self.layers)
        self.history.append((epoch, s))
        self.report = sparsity_report(self.model, self.layers)
