"""Deep compression (Han, Mao and Dally, ICLR 2016): prune -> fine-tune -> share weights
by k-means -> fine-tune the centroids -> Huffman code, in one call on a compiled model.

``deep_compress`` runs the three stages with ``fit`` and returns a
:class:`DeepCompressionResult` with the per-stage accuracies, the paper-style per-layer
table (:func:`nnlab.compress.report.compression_report`) and the total ratio. Save the
result with :func:`nnlab.compress.save_compressed`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Union

from .pruning import check_sparsity
from .report import compression_report, format_compression_report
from .schedule import PruningSchedule
from .weight_sharing import check_bits, share_weights

__all__ = ["deep_compress", "DeepCompressionResult"]


@dataclass
class DeepCompressionResult:
    accuracy: Dict[str, float] = field(default_factory=dict)  # stage -> test accuracy
    rows: List[dict] = field(default_factory=list)            # compression_report rows

    @property
    def ratio(self) -> float:
        """Total compression ratio after Huffman coding (biases included)."""
        return self.rows[-1]["ratio_pqh"]

    def table(self) -> str:
        acc = ", ".join(f"{k}: {v:.2%}" for k, v in self.accuracy.items())
        return f"{format_compression_report(self.rows)}\n\naccuracy: {acc}"


def _accuracy(model, x, y, batch_size) -> float:
    pred = model.predict(x, batch_size=batch_size, verbose=0)
    return float((pred.argmax(-1) == y.reshape(-1)).mean())


def deep_compress(model, x, y, sparsity: Union[float, Dict[str, float]], bits: Union[int, Dict[str, int]],
                  validation_data: Any = None, prune_steps: int = 3, prune_epochs: int = 6,
                  quant_epochs: int = 2, batch_size: int = 64,
                  index_bits: Optional[Dict[str, int]] = None, verbose: int = 0,
                  callbacks: Sequence = (), prune_every: int = 1) -> DeepCompressionResult:
    """Compress a trained, compiled classifier in place.

    Args:
        model: a compiled nnlab model, already trained.
        x, y: training data for the fine-tuning epochs (``y`` integer labels).
        sparsity: target fraction of zero weights, one number or ``{layer: sparsity}``.
        bits: weight-sharing bits, one int or ``{layer: bits}`` (paper: 8 conv, 5 FC).
        validation_data: ``(x_test, y_test)`` for the accuracies (default: the training set).
        prune_steps / prune_epochs: iterative pruning events and total pruning epochs.
        prune_every: epochs of retraining between two pruning events.
        quant_epochs: centroid fine-tuning epochs.
        index_bits: fixed difference widths of the P+Q stage (the Huffman stage picks
            its own, see :func:`~nnlab.compress.report.compression_report`).
        callbacks: extra callbacks for both fine-tuning ``fit`` calls (e.g. a
            ``LearningRateScheduler``; its epoch count restarts at each stage).
    """
    if isinstance(sparsity, dict):
        sparsity = {k: check_sparsity(v, f"sparsity[{k!r}]") for k, v in sparsity.items()}
    else:
        check_sparsity(sparsity)
    if isinstance(bits, dict):
        for k, v in bits.items():
            check_bits(v, f"bits[{k!r}]")
    else:
        check_bits(bits)
    if prune_epochs < (prune_steps - 1) * prune_every + 1:
        raise ValueError(f"prune_epochs ({prune_epochs}) must be >= (prune_steps - 1) * "
                         f"prune_every + 1 = {(prune_steps - 1) * prune_every + 1}")
    xv, yv = validation_data if validation_data is not None else (x, y)
    res = DeepCompressionResult()
    res.accuracy["original"] = _accuracy(model, xv, yv, batch_size)
    groups = sparsity.items() if isinstance(sparsity, dict) else [(None, sparsity)]
    schedules = [PruningSchedule(s, prune_steps, every=prune_every,
                                 layers=None if name is None else [name])
                 for name, s in groups]
    model.fit(x, y, epochs=prune_epochs, batch_size=batch_size,
              callbacks=schedules + list(callbacks), verbose=verbose)
    res.accuracy["pruned"] = _accuracy(model, xv, yv, batch_size)
    share_weights(model, bits)
    res.accuracy["quantised"] = _accuracy(model, xv, yv, batch_size)
    if quant_epochs:
        model.fit(x, y, epochs=quant_epochs, batch_size=batch_size, callbacks=list(callbacks),
                  verbose=verbose)
    res.accuracy["fine-tuned"] = _accuracy(model, xv, yv, batch_size)
    res.rows = compression_report(model, index_bits)
    return res
