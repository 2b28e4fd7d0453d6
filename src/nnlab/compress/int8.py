"""int8 post-training dynamic quantisation with torch's own tooling, plus size and
latency measurement.

``quantize_int8(model)`` returns a quantised *copy* (the model is untouched): every
nnlab ``Dense`` runs through ``torch.ao.nn.quantized.dynamic.Linear`` (int8 weights,
per-tensor affine; activations quantised on the fly), obtained from
``torch.ao.quantization.quantize_dynamic`` on an ``nn.Linear`` carrying the Dense's
weights; plain torch ``nn.Linear``/``nn.LSTM`` modules are converted by
``quantize_dynamic`` directly. On this torch (2.13, CPU, engine ``x86``/``fbgemm``)
``torch.ao.quantization`` works but is deprecated in favour of ``torchao`` (not
installed here); its deprecation warnings are silenced inside these calls.
Convolutions and nnlab's own recurrent layers are left in float32 (dynamic quantisation
covers linear/recurrent layers only).

The copy is for inference (``predict``, ``model(x)``, ``evaluate``, attributions, the
analyses). ``copy.train()`` (what every training loop calls) is refused, and on an
nnlab model copy ``fit``/``train_on_batch`` (int8 weights have no gradient),
``save``/``save_weights`` and ``get_weights``/``set_weights`` (torch's packed int8
parameters have no Keras layout or safetensors form) are refused with an error
naming the model and what to do instead: train, save and copy the float model, and
quantise again after loading (quantisation takes milliseconds and is deterministic).
"""
from __future__ import annotations

import copy
import io
import statistics
import time
import types
import warnings
from typing import Any

import torch
from torch import nn

from ..layers.base.pruned_weights import is_pruned_weight, pruned_names, remove_mask
from ..layers.base.reparametrised import refuse_reparametrised

__all__ = ["quantize_int8", "model_size_bytes", "measure_latency"]


def _quiet():
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("ignore", DeprecationWarning)
    warnings.simplefilter("ignore", UserWarning)
    return ctx


def _dense_call(self, inputs):
    return self.activation(self._int8_linear(inputs))


#: what the int8 copy of an nnlab model refuses, and why
_REFUSED = {"fit": "trained", "train_on_batch": "trained", "save": "saved",
            "save_weights": "saved", "get_weights": "read as Keras weights",
            "set_weights": "given Keras weights"}


def _refusal(name: str, method: str, what: str):
    def refused(*args: Any, **kwargs: Any):
        raise TypeError(
            f"{method}: model {name!r} is an int8 copy made by "
            f"nnlab.compress.quantize_int8 (its Dense/Linear weights are torch's packed "
            f"dynamic int8 weights) and cannot be {what}. Use the float model instead: fit, save "
            f"or copy its weights, and call quantize_int8(model) again (it is deterministic "
            f"and takes milliseconds); the int8 copy is for predict/evaluate/model(x).")
    refused.__name__ = method
    return refused


def _refuse_training_mode(q: nn.Module) -> None:
    """``q.train()`` (what every training loop calls, ``fit`` included) raises; ``eval()``
    (``train(False)``) still works."""
    name = getattr(q, "name", type(q).__name__)
    refused = _refusal(name, "train", "trained")
    plain_train = q.train

    def train(mode: bool = True):
        if mode:
            refused()
        return plain_train(False)
    object.__setattr__(q, "train", train)


def _refuse_keras_methods(q: nn.Module) -> None:
    """Instance methods on the copy that refuse what int8 weights cannot do."""
    _refuse_training_mode(q)
    if not hasattr(q, "get_weights"):
        return
    name = getattr(q, "name", type(q).__name__)
    for method, what in _REFUSED.items():
        if hasattr(q, method):
            object.__setattr__(q, method, _refusal(name, method, what))


@torch.no_grad()
def quantize_int8(model: nn.Module) -> nn.Module:
    """A dynamically int8-quantised copy of ``model`` (inference only: call it or use
    ``predict``). Raises ValueError when nothing in the model can be quantised."""
    from torch.ao.quantization import quantize_dynamic
    refuse_reparametrised(model, "quantize_int8")   # shared/ternary/low-rank: say so
    dense = [m for m in model.modules() if type(m).__name__ == "Dense"
             and type(m).__module__.startswith("nnlab.")
             and (isinstance(m._parameters.get("kernel"), torch.Tensor)
                  or is_pruned_weight(m, "kernel"))]
    plain = [m for m in model.modules() if type(m) in (nn.Linear, nn.LSTM)]
    if not dense and not plain:
        raise ValueError(f"model {type(model).__name__} has no layer dynamic int8 quantisation "
                         f"supports; supported layer types: Dense, Linear, LSTM")
    q = copy.deepcopy(model).eval()
    for m in q.modules():                     # pruned: the zeros baked in, then quantised
        for name in pruned_names(m) if not any(True for _ in m.children()) else ():
            remove_mask(m, name)
    ctx = _quiet()
    try:
        for m in q.modules():
            if type(m).__name__ != "Dense" or not isinstance(m._parameters.get("kernel"), torch.Tensor):
                continue
            lin = nn.Linear(m.kernel.shape[1], m.kernel.shape[0], bias=m.bias is not None)
            lin.weight.copy_(m.kernel)
            if m.bias is not None:
                lin.bias.copy_(m.bias)
            qlin = quantize_dynamic(nn.Sequential(lin), {nn.Linear}, dtype=torch.qint8)[0]
            del m._parameters["kernel"]
            if "bias" in m._parameters:
                del m._parameters["bias"]
            m._int8_linear = qlin
            m.call = types.MethodType(_dense_call, m)
        if plain:
            q = quantize_dynamic(q, {nn.Linear, nn.LSTM}, dtype=torch.qint8, inplace=True)
    finally:
        ctx.__exit__(None, None, None)
    _refuse_keras_methods(q)
    return q


def model_size_bytes(model: nn.Module) -> int:
    """Bytes of ``torch.save(model.state_dict())`` (int8 packed weights included)."""
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    return buf.getbuffer().nbytes


@torch.no_grad()
def measure_latency(model: nn.Module, x: Any, repeats: int = 20, warmup: int = 3) -> float:
    """Median wall time (seconds) of ``model(x)`` over ``repeats`` calls, after warm-up."""
    x = torch.as_tensor(x)
    was = model.training
    model.eval()
    times = []
    for i in range(warmup + repeats):
        t0 = time.perf_counter()
        model(x)
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    model.train(was)
    return statistics.median(times)
