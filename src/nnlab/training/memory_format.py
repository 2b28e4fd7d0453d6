"""The memory format a conv net trains in, chosen per model and machine.

A ``channels_last`` (Keras-layout) model can run its convolutions on two memory layouts:
channels_last (NHWC memory: the user's arrays as they are, kernels stored to match) or
contiguous NCHW (the textbook PyTorch layout). Which is faster depends on the model and
the CPU: measured on a 2-vCPU AVX2 EPYC, the lecture CNN trains 1.49x faster in
channels_last while ResNet-18 (64x64, batch 32) trains 5% faster in NCHW (issue 24;
``docs/performance.md`` has this machine's figures).

``nnlab.config.set_conv_memory_format`` decides:

- ``"auto"`` (default): at the first ``fit`` of a model with 2-D convolutions on a 4-D
  input (built-in step), time a forward and backward pass of the model in each format (the
  first batch, one warm-up and three timed repeats each, the formats taking turns; about
  10-20 steps' worth of work), keep NCHW only when it is faster by more than 3%, and
  remember the choice for that model signature, batch shape, thread count and CPU: in
  this process and in ``<nnlab cache>/conv_memory_format.json``, so later runs on this
  machine (a resumed fit, a seeded rerun) train in the same format and stay
  bit-identical;
- ``"channels_last"`` or ``"contiguous"``: that format, no measurement;
- ``"mixed"``: channels_last until the activations shrink to the output of the first
  convolution whose kernel holds more numbers than it, NCHW after (:func:`late_layers`):
  the late stages of a ResNet, where a channels_last kernel costs a kernel-sized copy of
  its gradient in every backward pass (torch converts oneDNN's plain-layout weight
  gradient to the kernel's format) while the activations it saves converting are small.
  Measured on ResNet-18 (64x64, batch 32, AMD EPYC AVX-512, 2 threads): its last two
  stages in NCHW made the step 7-8 % faster than all channels_last. ``"auto"`` times it
  as a third candidate when the model has such layers.

Applying a format converts the 4-D conv kernels' storage (shape and values unchanged,
so ``get_weights``/``state_dict`` are untouched) and the training arrays' memory once
per ``fit`` (``x`` keeps its ``(N, H, W, C)`` shape; only its strides change), before
the optimizer creates any state. When ``fit`` ends the kernels go back to channels_last
storage, so ``predict`` and a saved and reloaded copy compute exactly alike.
"""
from __future__ import annotations

import json
import logging
import os
import time
import weakref
from pathlib import Path
from typing import Any, Dict, List, Optional

import torch

from .. import config
from ..layers.base.layer import Layer
from ..utils.io import atomic_write
from .data_adapter import ArrayData

log = logging.getLogger(__name__)
_FORMATS = {"channels_last": torch.channels_last, "contiguous": torch.contiguous_format}
_CHOICES: Dict[str, str] = {}  # [signature, batch shape, threads, cpu] -> format
_MARGIN = 0.03  # another format must win by more than this to replace the default
_MEASURE_VERSION = 4  # stored choices of an older measurement are measured again
_CANDIDATES = ("channels_last", "contiguous", "mixed")
_LATE: "weakref.WeakKeyDictionary[Any, tuple]" = weakref.WeakKeyDictionary()  # late_layers


def _kernels_of(module: torch.nn.Module) -> List[torch.nn.Parameter]:
    return [p for name, p in module.named_parameters(recurse=False)
            if p.dim() == 4 and name in ("kernel", "depthwise_kernel", "pointwise_kernel")]


def conv_layers(model: torch.nn.Module) -> List[Layer]:
    """``model``'s channels_last nnlab layers with 4-D conv kernels (a plain
    ``torch.nn.Conv2d`` inside keeps the layout its owner gave it)."""
    return [m for m in model.modules() if isinstance(m, Layer)
            and getattr(m, "data_format", None) == "channels_last" and _kernels_of(m)]


def _converts_inputs(layer: Layer) -> bool:
    """Whether ``layer``'s call converts a channels_last input to NCHW when asked to
    (``_nchw_inputs``: Conv1D/2D/3D; not the depthwise or transposed convolutions)."""
    return hasattr(type(layer), "_nchw_inputs")


def conv_kernels(model: torch.nn.Module) -> List[torch.nn.Parameter]:
    """The 4-D kernels of ``model``'s channels_last nnlab convolutions."""
    return [p for layer in conv_layers(model) for p in _kernels_of(layer)]


def convert_kernels(model: torch.nn.Module, fmt: str,
                    layers: Optional[List[Layer]] = None) -> None:
    """Store the 4-D conv kernels of ``layers`` (default: all of ``model``'s) in memory
    format ``fmt`` (values kept); those layers' inputs follow (``_nchw_inputs``)."""
    memory_format = _FORMATS[fmt]
    layers = conv_layers(model) if layers is None else layers
    with torch.no_grad():
        for layer in filter(_converts_inputs, layers):
            # a layer with NCHW kernels among channels_last ones converts its input
            layer._nchw_inputs = fmt == "contiguous"
        for p in (p for layer in layers for p in _kernels_of(layer)):
            # compare strides, not is_contiguous(fmt): a 1x1 kernel is "contiguous" in
            # both formats, but oneDNN reads its strides to pick the activations' layout
            target = torch.empty_like(p.data, memory_format=memory_format)
            if p.stride() != target.stride():
                p.data = target.copy_(p.data)


def in_memory_format(x: torch.Tensor, fmt: str) -> torch.Tensor:
    """``x`` ``(N, H, W, C)`` with the memory that makes ``x.movedim(-1, 1)`` ``fmt``."""
    if fmt == "contiguous":
        return x.movedim(-1, 1).contiguous().movedim(1, -1)
    return x.contiguous()


def late_layers(model: torch.nn.Module, xb: torch.Tensor) -> List[Layer]:
    """The conv layers ``"mixed"`` runs in NCHW: those whose output for the batch ``xb``
    is no larger than the output of the first layer (in execution order) whose kernel
    holds more numbers than its output; none when no kernel does. One forward pass
    without gradients, in inference mode, once per model and batch shape."""
    known = _LATE.get(model)
    if known is not None and known[0] == tuple(xb.shape):
        return known[1]
    late = _find_late_layers(model, xb)
    _LATE[model] = (tuple(xb.shape), late)
    return late


def _find_late_layers(model: torch.nn.Module, xb: torch.Tensor) -> List[Layer]:
    order: List[tuple] = []
    hooks = [layer.register_forward_hook(
        lambda module, args, out: order.append((module, out.numel())))
        for layer in conv_layers(model)]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(xb)
    finally:
        model.train(was_training)
        for hook in hooks:
            hook.remove()
    first = next((out for layer, out in order
                  if sum(k.numel() for k in _kernels_of(layer)) > out), None)
    if first is None:
        return []
    # every layer whose output is no larger than that first one's (a ResNet stage's
    # shortcut runs before its first 3x3), once; only layers that convert their input
    # (Conv1D/2D/3D): a depthwise one keeps its channels_last kernel (results equal)
    late: List[Layer] = []
    for layer, out in order:
        if out <= first and layer not in late and _converts_inputs(layer):
            late.append(layer)
    return late


def apply_format(model: torch.nn.Module, fmt: str, late: List[Layer]) -> None:
    """Kernels (and inputs) of ``model`` in candidate ``fmt`` (``late``: for "mixed")."""
    convert_kernels(model, "channels_last" if fmt == "mixed" else fmt)
    if fmt == "mixed":
        convert_kernels(model, "contiguous", late)


def _timed(model: torch.nn.Module, xb: torch.Tensor) -> float:
    """Seconds of one forward+backward pass of ``model`` on ``xb``."""
    start = time.perf_counter()
    out = model(xb, training=True) if isinstance(model, Layer) else model(xb)
    first = out[0] if isinstance(out, (list, tuple)) else out
    first.float().sum().backward()
    return time.perf_counter() - start


def measure(model: torch.nn.Module, xb: torch.Tensor, repeats: int = 3) -> Dict[str, float]:
    """Seconds of one forward+backward on ``xb`` in each format, on ``model`` itself with
    everything it changes put back: its buffers (batch norm's statistics), the gradients
    it held, its kernels' format and the random stream (dropout draws). A copy would be
    simpler, but deep-copying a functional graph recurses through every node."""
    buffers = [(b, b.detach().clone()) for b in model.buffers()]
    grads = [(p, p.grad) for p in model.parameters()]
    formats = [(p, p.data) for p in conv_kernels(model)]
    flags = [(layer, layer._nchw_inputs) for layer in conv_layers(model)
             if _converts_inputs(layer)]
    seconds = {}
    try:
        with torch.random.fork_rng(devices=[]):
            late = late_layers(model, xb)
            candidates = _CANDIDATES if late else _CANDIDATES[:2]
            inputs = {fmt: in_memory_format(xb, fmt) for fmt in _FORMATS}
            inputs["mixed"] = inputs["channels_last"]
            # one warm-up pass each (oneDNN's primitive caches), then the formats take
            # turns, so a load change during the probe hits all alike; best of each
            for i in range(repeats + 1):
                for fmt in candidates:
                    apply_format(model, fmt, late)
                    took = _timed(model, inputs[fmt])
                    if i:
                        seconds[fmt] = min(seconds.get(fmt, took), took)
                    for p, _ in grads:
                        p.grad = None
    finally:
        with torch.no_grad():
            for b, saved in buffers:
                b.copy_(saved)
            for p, data in formats:
                p.data = data
            for layer, flag in flags:
                layer._nchw_inputs = flag
        for p, grad in grads:
            p.grad = grad
    return seconds


def _key(model: torch.nn.Module, xb: torch.Tensor) -> str:
    shapes = [list(p.shape) for p in model.parameters()]
    return json.dumps([_MEASURE_VERSION, type(model).__name__, shapes, list(xb.shape),
                       str(xb.dtype), torch.get_num_threads(),
                       torch.backends.cpu.get_cpu_capability()])


def _store() -> Path:
    """Where choices persist across processes: ``<nnlab cache>/conv_memory_format.json``."""
    root = os.environ.get("NNLAB_CACHE_DIR")
    return (Path(root).expanduser() if root else Path.home() / ".cache" / "nnlab") / \
        "conv_memory_format.json"


def _load_store() -> None:
    if _CHOICES.get("__loaded__"):
        return
    _CHOICES["__loaded__"] = "yes"
    try:
        stored = json.loads(_store().read_text())
    except (OSError, ValueError):  # none yet, unreadable or damaged: measure afresh
        return
    if isinstance(stored, dict):
        _CHOICES.update({k: v for k, v in stored.items() if v in _CANDIDATES})


def _save_store() -> None:
    path = _store()
    choices = {k: v for k, v in _CHOICES.items() if v in _CANDIDATES}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(str(path), lambda tmp: Path(tmp).write_text(json.dumps(choices)))
    except OSError as exc:  # a read-only or full cache only costs a measurement next time
        log.info("conv memory format choices not stored in %s: %s", path, exc)


def choose(model: torch.nn.Module, xb: torch.Tensor) -> str:
    """The format to train ``model`` in on batches like ``xb`` (see the module docstring)."""
    pinned = config.conv_memory_format()
    if pinned != "auto":
        return pinned
    _load_store()
    key = _key(model, xb)
    if key not in _CHOICES:
        try:
            seconds = measure(model, xb)
        except Exception as exc:  # a speed probe never fails a fit: keep the default
            log.info("conv memory format not measured for %s (%s: %s); channels_last",
                     type(model).__name__, type(exc).__name__, exc)
            seconds = {"channels_last": 0.0, "contiguous": 0.0}
        best = min(seconds, key=seconds.get)
        faster = seconds[best] < (1 - _MARGIN) * seconds["channels_last"]
        _CHOICES[key] = best if faster else "channels_last"
        log.info("conv memory format for %s on %s: %s (forward+backward, ms: %s)",
                 type(model).__name__, tuple(xb.shape), _CHOICES[key],
                 ", ".join(f"{k} {1e3 * v:.1f}" for k, v in seconds.items()))
        _save_store()
    return _CHOICES[key]


def _applies(model: torch.nn.Module, data: Any) -> bool:
    return isinstance(model, Layer) and isinstance(data, ArrayData) and \
        isinstance(data.x, torch.Tensor) and data.x.dim() == 4 and \
        data.x.is_floating_point() and config.image_data_format() == "channels_last" and \
        bool(conv_kernels(model))


def prepare_fit(model: torch.nn.Module, data: Any, val: Optional[Any], batch_size: int
                ) -> Optional[str]:
    """Choose and apply the memory format for a fit on in-memory 4-D images (returns it;
    None when the model has no 2-D convolutions or the data is not such an array)."""
    if not _applies(model, data):
        return None
    xb = data.x[:batch_size]
    fmt = choose(model, xb)
    apply_format(model, fmt, late_layers(model, xb) if fmt == "mixed" else [])
    data_format = "channels_last" if fmt == "mixed" else fmt
    data.x = in_memory_format(data.x, data_format)
    if val is not None and _applies(model, val):
        val.x = in_memory_format(val.x, data_format)
    model._conv_memory_format = fmt
    return fmt


def finish_fit(model: torch.nn.Module) -> None:
    """After ``fit``: kernels back in channels_last storage, the format every nnlab conv
    layer is built in, so ``predict``, ``save`` and a reloaded copy compute alike."""
    if getattr(model, "_conv_memory_format", None) in ("contiguous", "mixed"):
        convert_kernels(model, "channels_last")
