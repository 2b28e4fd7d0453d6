"""Parameters frozen for the length of a block: gradients with respect to the *input*.

Attacks (FGSM, PGD) and attributions (saliency, integrated gradients) differentiate the
model's output with respect to its input only. With the parameters still requiring
gradients, autograd records every weight's path in the graph and keeps the tensors each
weight gradient would need; with them frozen it records only the input's path, which the
loop a user writes (and torchattacks, captum) does not do. The results are identical;
measured in ``benchmarks/attack_speed.py`` and ``benchmarks/interpret_speed.py``.
"""
from __future__ import annotations

import contextlib
from typing import Any, Iterator


@contextlib.contextmanager
def frozen_parameters(model: Any) -> Iterator[None]:
    """Inside the block, every parameter of ``model`` that required gradients does not;
    each is restored afterwards (also on error). Parameters the user froze stay frozen.
    A plain callable (not an ``nn.Module``) passes through unchanged."""
    params = getattr(model, "parameters", None)
    thawed = [p for p in params() if p.requires_grad] if callable(params) else []
    for p in thawed:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in thawed:
            p.requires_grad_(True)
