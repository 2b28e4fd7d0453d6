"""Architecture analysis from shapes alone (no data, no compute: instant even for VGG-19).

- :func:`count_params`: weights per layer, trainable and non-trainable.
- :func:`count_macs` / :func:`macs_per_layer`: multiply-accumulates per image
  (conv ``H_out*W_out*C_out*k_h*k_w*C_in/groups``, dense ``in*out``; pooling, batch norm
  and activations 0, reported apart as "other ops").
- :func:`activation_memory`: bytes of the layer outputs per image, forward and
  forward + backward (about 2x).
- :func:`receptive_field`: ``r_out = r_in + (k-1)*d*j_in``, ``j_out = j_in*s`` layer by layer.
- :func:`output_size`: the lecture's ``(N - F + 2P)/S + 1``, with a clear error when the
  filter does not fit.
- :func:`profile`: all of it in one table.

Models can be built on torch's meta device (``with torch.device("meta"): model = ...``):
every analysis works from shapes, so not even the weights need memory.
"""
from .macs import LayerMACs, count_macs, count_other_ops, macs_per_layer
from .memory import MemoryReport, MemoryRow, activation_memory
from .params import ParamReport, ParamRow, count_params
from .profile import human_bytes, human_count, profile
from .receptive_field import RFRow, output_size, receptive_field

__all__ = ["LayerMACs", "MemoryReport", "MemoryRow", "ParamReport", "ParamRow", "RFRow",
           "activation_memory", "count_macs", "count_other_ops", "count_params",
           "human_bytes", "human_count", "macs_per_layer", "output_size", "profile",
           "receptive_field"]
