"""Pin glibc malloc's thresholds so CPU speed does not depend on the allocator's history.

glibc serves allocations above ``M_MMAP_THRESHOLD`` with fresh ``mmap`` pages, and by
default moves that threshold up as the process frees large blocks. A training step's
activations (a few MB each for a CNN) then land on one side of the threshold or the
other depending on what the process freed before: on the wrong side every step
page-faults its buffers in again, and the same loop runs 2-3x slower. Setting the
thresholds explicitly (``mallopt``) freezes them at values above typical activation
sizes, so large blocks are reused from the heap.

nnlab does this once per process at the start of ``fit``/``evaluate``/``predict``/
``train_on_batch`` and of its own training loops on CPU, at an optimizer's first
``apply`` to CPU variables (a GradientTape-style loop), and when an attack
(``nnlab.adversarial``) or an attribution (``nnlab.interpret``) is made for a CPU model
(they run the same large forward and backward passes: PGD-40 on 256 MNIST images took
1.45-1.74 s pinned against 2.0-2.2 s in a process where nothing had pinned it),
only where glibc is the C library (through ``ctypes``: no root, no preload). It cannot
be undone: glibc has no getter for the thresholds and explicit values switch its dynamic
adjustment off for the process. Opt out before the first fit with
``nnlab.config.set_malloc_tuning(False)`` or ``NNLAB_MALLOC_TUNING=0``.

Blocks above 32 MiB (glibc's largest mmap threshold) would still be mapped fresh and
page-faulted in at every use: a VGG-16 activation at batch 128, an EfficientNet batch at
224x224 -- 25k faults and ~25 ms per 100 MB here. So *while* nnlab computes with a CPU
model (``fit``, ``evaluate``, ``predict``, ``train_on_batch``, an attack or an
attribution call, nnlab's own training loops such as ``nnlab.vision.train_detector``:
:func:`reuse_large_blocks`) glibc's ``M_MMAP_MAX`` is 0 and trimming is off: every block
comes from the heap and is reused by the next step, as torch's CUDA cache does. When the
call ends glibc's mmap default and the 512 MiB trim threshold come back: a user's own
large arrays are mapped and returned as usual, and the heap's free top beyond 512 MiB is
given back at the next free. :func:`release_memory` gives back all free memory.

For more, preload jemalloc or tcmalloc (``LD_PRELOAD=libjemalloc.so.2 python train.py``).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import platform
import threading

log = logging.getLogger(__name__)

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
M_MMAP_THRESHOLD = -3
M_MMAP_MAX = -4
GLIBC_MMAP_MAX = 65536  # glibc's default M_MMAP_MAX (DEFAULT_MMAP_MAX in malloc.c)
MMAP_THRESHOLD = 32 * 1024 * 1024  # blocks up to 32 MiB come from the reusable heap
# Keep up to 512 MiB of free heap instead of returning it: a step whose temporaries
# pass the trim threshold gives them back and page-faults them in again next step (PGD-40
# on 256 MNIST images: 50k-860k faults and 1.4-2.5 s per call at 64 MiB, none and
# 1.25-1.29 s at 512 MiB). Memory a process freed stays its own, as torch's CUDA cache.
TRIM_THRESHOLD = 512 * 1024 * 1024

_state = {"enabled": os.environ.get("NNLAB_MALLOC_TUNING", "1") != "0", "applied": None,
          "libc": None, "depth": 0, "cpu_only": False,
          "large_blocks": os.environ.get("NNLAB_LARGE_BLOCK_REUSE", "1") != "0"}
_scope_lock = threading.Lock()


def set_malloc_tuning(enabled: bool) -> None:
    """Allow (default) or forbid nnlab to pin glibc's malloc thresholds."""
    _state["enabled"] = bool(enabled)


def set_large_block_reuse(enabled: bool) -> None:
    """Allow (default) or forbid :class:`reuse_large_blocks` (the thresholds stay pinned):
    with less memory to spare, blocks above 32 MiB are then mapped fresh at every use
    again. Also ``NNLAB_LARGE_BLOCK_REUSE=0``."""
    _state["large_blocks"] = bool(enabled)


def malloc_state() -> str:
    """What was done: 'pinned', 'disabled', 'not glibc', or 'not yet' (no fit/predict)."""
    if _state["applied"] is not None:
        return _state["applied"]
    return "not yet" if _state["enabled"] else "disabled"


def malloc_settled() -> bool:
    """True once :func:`tune_malloc` has decided for this process (pinned, or found it
    cannot): later calls would do nothing."""
    return _state["applied"] is not None


def tune_malloc() -> bool:
    """Pin the thresholds once per process (see module docstring). Returns True when
    they are pinned by this or an earlier call."""
    if _state["applied"] is not None:
        return _state["applied"] == "pinned"
    if not _state["enabled"]:
        return False
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        _state["applied"] = "not glibc"
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        ok = libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and \
            libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
        _state["libc"] = libc if ok else None
        _state["cpu_only"] = _no_accelerator()
    except (OSError, AttributeError) as exc:  # pragma: no cover - exotic libc builds
        log.debug("mallopt unavailable: %s", exc)
        ok = False
    _state["applied"] = "pinned" if ok else "not glibc"
    return ok


def _no_accelerator() -> bool:
    """No CUDA or MPS device in this process: every model is on the CPU (checked once, so
    :class:`reuse_large_blocks` need not look at a model's parameters)."""
    import torch
    mps = getattr(torch.backends, "mps", None)
    return not torch.cuda.is_available() and not (mps is not None and mps.is_available())


def cpu_allocator_tuning(model) -> None:
    """Pin the thresholds (:func:`tune_malloc`) if ``model`` (any ``nn.Module``, or a
    callable without parameters) runs on the CPU. Called by :func:`reuse_large_blocks`
    (every ``fit``, ``evaluate``, ``predict``, attack and attribution call) and when an
    attack or attribution is made; after the first call it is one look-up."""
    if not malloc_settled() and _on_cpu(model):
        tune_malloc()


def _on_cpu(model) -> bool:
    """``model``'s first parameter is on the CPU, or it has none."""
    parameters = getattr(model, "parameters", None)
    first = next(iter(parameters()), None) if callable(parameters) else None
    return first is None or first.device.type == "cpu"


class reuse_large_blocks:  # noqa: N801 - used as a function: ``with reuse_large_blocks(m):``
    """Run the body with every block, however large, served from the reusable heap.

    For a CPU ``model`` with the thresholds pinned (:func:`cpu_allocator_tuning`, called
    here), glibc's ``M_MMAP_MAX`` is 0 and its trimming off inside: blocks above the
    32 MiB mmap threshold come from the heap and stay there when freed, so a step's large
    activations are reused by the next step instead of being mapped and page-faulted in
    again (VGG-16 predict at batch 128 on 64x64 images: 270k faults per call without).
    Nested and concurrent scopes count; the last one out restores glibc's mmap default
    and the pinned trim threshold. Otherwise (GPU model, opted out of the tuning or of
    this with :func:`set_large_block_reuse`, not glibc) it does nothing. A class, not a
    generator: four Python calls and four ``mallopt`` calls, 2.5 us alone; each
    ``mallopt`` also consolidates glibc's fast bins, so after a step that freed many
    small blocks a ``train_on_batch`` call pays 7-24 us for it (a 0.4 ms tiny-model step
    here; docs/performance.md, round nine)."""

    __slots__ = ("_active",)

    def __init__(self, model) -> None:
        if _state["libc"] is None:
            cpu_allocator_tuning(model)
        self._active = _state["libc"] is not None and _state["large_blocks"] and \
            (_state["cpu_only"] or _on_cpu(model))

    def __enter__(self) -> None:
        if self._active:
            with _scope_lock:
                _state["depth"] += 1
                if _state["depth"] == 1:
                    _state["libc"].mallopt(M_MMAP_MAX, 0)
                    _state["libc"].mallopt(M_TRIM_THRESHOLD, -1)  # -1: never (mallopt(3))

    def __exit__(self, *exc) -> None:
        if self._active:
            with _scope_lock:
                _state["depth"] -= 1
                if _state["depth"] == 0:
                    _state["libc"].mallopt(M_MMAP_MAX, GLIBC_MMAP_MAX)
                    _state["libc"].mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)


def large_blocks_reused() -> bool:
    """True inside a :func:`reuse_large_blocks` scope that took effect."""
    return _state["depth"] > 0


def release_memory() -> bool:
    """Give the free memory the heap keeps for reuse back to the system (glibc's
    ``malloc_trim(0)``), e.g. after predicting on large images in a long-lived process.
    Returns True if memory was released; False where glibc is not the C library."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    libc = _state["libc"] or ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    return libc.malloc_trim(0) == 1
