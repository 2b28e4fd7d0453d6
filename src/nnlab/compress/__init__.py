"""Efficient deep learning (CS231n's efficient-methods lecture): pruning, trained
quantisation, Huffman coding, deep compression, int8 (dynamic and static), dynamic
fixed point, ternary/binary weights, low-rank factorisation, knowledge distillation and
dense-sparse-dense training.

One concept per module; see ``docs/efficient.md``.
"""
from .distillation import Distiller
from .dsd import DSD
from .file_format import load_compressed, save_compressed
from .fixed_point import simulate_fixed_point
from .int8 import measure_latency, model_size_bytes, quantize_int8
from .lowrank import factorize
from .pipeline import DeepCompressionResult, deep_compress
from .pruning import (check_sparsity, format_sparsity_report, is_pruned, prune_magnitude,
                      sparsity_report, strip_pruning)
from .report import compression_report, format_compression_report
from .schedule import PruningSchedule
from .static_int8 import quantize_static_int8
from .ternary import ternarize
from .weight_sharing import share_weights, strip_sharing

__all__ = ["DSD", "DeepCompressionResult", "Distiller", "PruningSchedule", "check_sparsity",
           "compression_report", "deep_compress", "factorize", "format_compression_report",
           "format_sparsity_report", "is_pruned", "load_compressed", "measure_latency",
           "model_size_bytes", "prune_magnitude", "quantize_int8", "quantize_static_int8",
           "save_compressed", "simulate_fixed_point",
           "share_weights", "sparsity_report", "strip_pruning", "strip_sharing", "ternarize"]
