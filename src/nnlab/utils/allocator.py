"""Pin glibc malloc's thresholds so CPU speed does not depend on the allocator's history.

glibc serves allocations above ``M_MMAP_THRESHOLD`` with fresh ``mmap`` pages, and by
default moves that threshold up as the process frees large blocks. A training step's
activations (a few MB each for a CNN) then land on one side of the threshold or the
other depending on what the process freed before: on the wrong side every step
page-faults its buffers in again, and the same loop runs 2-3x slower. Setting the
thresholds explicitly (``mallopt``) freezes them at values above typical activation
sizes, so large blocks are reused from the heap.

nnlab does this once per process at the start of ``fit``/``predict`` on CPU, and when an
attack (``nnlab.adversarial``) or an attribution (``nnlab.interpret``) is made for a CPU
model (they run the same large forward and backward passes: PGD-40 on 256 MNIST images
took 1.45-1.74 s pinned against 2.0-2.2 s in a process where nothing had pinned it),
only where glibc is the C library (through ``ctypes``: no root, no preload). It cannot
be undone: glibc has no getter for the thresholds and explicit values switch its dynamic
adjustment off for the process. Opt out before the first fit with
``nnlab.config.set_malloc_tuning(False)`` or ``NNLAB_MALLOC_TUNING=0``. For more, preload
jemalloc or tcmalloc (``LD_PRELOAD=libjemalloc.so.2 python train.py``).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import platform

log = logging.getLogger(__name__)

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024  # blocks up to 32 MiB come from the reusable heap
# Keep up to 512 MiB of free heap instead of returning it: a step whose temporaries
# pass the trim threshold gives them back and page-faults them in again next step (PGD-40
# on 256 MNIST images: 50k-860k faults and 1.4-2.5 s per call at 64 MiB, none and
# 1.25-1.29 s at 512 MiB). Memory a process freed stays its own, as torch's CUDA cache.
TRIM_THRESHOLD = 512 * 1024 * 1024

_state = {"enabled": os.environ.get("NNLAB_MALLOC_TUNING", "1") != "0", "applied": None}


def set_malloc_tuning(enabled: bool) -> None:
    """Allow (default) or forbid nnlab to pin glibc's malloc thresholds."""
    _state["enabled"] = bool(enabled)


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
    except (OSError, AttributeError) as exc:  # pragma: no cover - exotic libc builds
        log.debug("mallopt unavailable: %s", exc)
        ok = False
    _state["applied"] = "pinned" if ok else "not glibc"
    return ok


def cpu_allocator_tuning(model) -> None:
    """Pin the thresholds (:func:`tune_malloc`) if ``model`` (any ``nn.Module``, or a
    callable without parameters) runs on the CPU. Called at the start of every
    ``fit``/``predict`` and by attacks and attributions; after the first call it is one
    look-up, with no walk over the model's parameters."""
    if malloc_settled():
        return
    parameters = getattr(model, "parameters", None)
    first = next(iter(parameters()), None) if callable(parameters) else None
    if first is None or first.device.type == "cpu":
        tune_malloc()
