"""Efficient deep learning (CS231n lecture 15): pruning, trained quantisation, Huffman
coding, deep compression, int8, ternary/binary weights, low-rank, distillation, DSD.

One concept per module; see ``docs/efficient.md``.
"""
from .pruning import (check_sparsity, format_sparsity_report, is_pruned, prune_magnitude,
                      sparsity_report, strip_pruning)
from .schedule import PruningSchedule

__all__ = ["PruningSchedule", "check_sparsity", "format_sparsity_report", "is_pruned",
           "prune_magnitude", "sparsity_report", "strip_pruning"]
