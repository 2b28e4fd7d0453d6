"""Efficient deep learning (CS231n lecture 15): pruning, trained quantisation, Huffman
coding, deep compression, int8, ternary/binary weights, low-rank, distillation, DSD.

One concept per module; see ``docs/efficient.md``.
"""
from .pruning import (check_sparsity, format_sparsity_report, is_pruned, prune_magnitude,
                      sparsity_report, strip_pruning)
from .schedule import PruningSchedule
from .weight_sharing import share_weights, strip_sharing
from .report import compression_report, format_compression_report
from .file_format import load_compressed, save_compressed
from .pipeline import DeepCompressionResult, deep_compress

__all__ = ["DeepCompressionResult", "compression_report", "deep_compress",
           "format_compression_report", "load_compressed", "save_compressed", "share_weights",
           "strip_sharing", "PruningSchedule", "check_sparsity", "format_sparsity_report", "is_pruned",
           "prune_magnitude", "sparsity_report", "strip_pruning"]
