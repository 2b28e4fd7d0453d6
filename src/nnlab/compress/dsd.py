"""Dense-Sparse-Dense training (Han et al., ICLR 2017) as a Callback.

``DSD(sparsity, dense_epochs, sparse_epochs)``: train dense for ``dense_epochs``; at the
start of the next epoch prune by magnitude to ``sparsity`` (``prune_magnitude``, masks
held through training) and train sparse for ``sparse_epochs``; then remove the masks
(``torch.nn.utils.prune.remove``: the same Parameters, pruned entries restart from zero)
and train dense again for the rest of ``fit``'s epochs, optionally at the learning rate
times ``redense_lr_factor`` (the paper re-densifies at a lower rate).
"""
from __future__ import annotations

from typing import List, Optional, Sequence

from ..callbacks import Callback
from .pruning import check_sparsity, prune_magnitude, sparsity_report, strip_pruning

__all__ = ["DSD"]


class DSD(Callback):
    """See the module docstring. ``self.phases`` lists ``(epoch, phase, sparsity)`` at
    each epoch end (phase ``'dense'``, ``'sparse'`` or ``'re-dense'``)."""

    def __init__(self, sparsity: float, dense_epochs: int, sparse_epochs: int,
                 redense_lr_factor: float = 1.0, layers: Optional[Sequence] = None):
        super().__init__()
        self.sparsity = check_sparsity(sparsity)
        for name, v in (("dense_epochs", dense_epochs), ("sparse_epochs", sparse_epochs)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"DSD: {name} must be an int >= 1, got {v!r}")
        if not isinstance(redense_lr_factor, (int, float)) or redense_lr_factor <= 0:
            raise ValueError(f"DSD: redense_lr_factor must be a positive number, "
                             f"got {redense_lr_factor!r}")
        self.dense_epochs, self.sparse_epochs = dense_epochs, sparse_epochs
        self.redense_lr_factor, self.layers = float(redense_lr_factor), layers
        self.phases: List[tuple] = []

    def _phase(self, epoch: int) -> str:
        if epoch < self.dense_epochs:
            return "dense"
        return "sparse" if epoch < self.dense_epochs + self.sparse_epochs else "re-dense"

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.dense_epochs:
            prune_magnitude(self.model, self.sparsity, layers=self.layers)
        elif epoch == self.dense_epochs + self.sparse_epochs:
            strip_pruning(self.model)
            if self.redense_lr_factor != 1.0:
                opt = self.model.compiled.optimizer
                for group in opt.param_groups:
                    group["lr"] *= self.redense_lr_factor

    def on_epoch_end(self, epoch, logs=None):
        total = sparsity_report(self.model, self.layers)[-1]["sparsity"]
        self.phases.append((epoch, self._phase(epoch), total))
