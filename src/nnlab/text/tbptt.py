"""Batches for truncated backpropagation through time with stateful recurrent layers."""
from __future__ import annotations

from typing import Any, Tuple

import torch


def tbptt_batches(tokens: Any, batch_size: int, steps: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Cut one long token stream into ``batch_size`` parallel streams and those into chunks
    of ``steps`` tokens, ordered so that row ``b`` of batch ``k + 1`` continues row ``b``
    of batch ``k`` (the layout ``stateful=True`` layers need; as PyTorch's
    word-language-model example "batchifies").

    Train with ``fit(x, y, batch_size=batch_size, shuffle=False)`` on a model whose
    recurrent layers are ``stateful=True`` and whose input has a fixed batch size, and
    reset the states each epoch; gradients stop at each chunk boundary because the kept
    states are detached (see ``docs/sequences.md``, "Truncated BPTT").

    Args:
        tokens: 1-D integer ids (list, numpy array or tensor).
        batch_size: number of parallel streams.
        steps: tokens per chunk (the truncation length ``k``).

    Returns:
        ``(x, y)``, each ``(chunks * batch_size, steps)`` int64; ``y`` is ``x`` shifted by
        one token (the next-token targets). A tail shorter than one chunk is dropped.

    Raises:
        ValueError: for a non-1-D stream, non-positive sizes, or a stream too short for
            one chunk per row.
    """
    tokens = torch.as_tensor(tokens)
    for name, value in (("batch_size", batch_size), ("steps", steps)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"tbptt_batches: {name} must be a positive int, got {value!r}")
    if tokens.ndim != 1:
        raise ValueError(f"tbptt_batches: tokens must be 1-D, got shape {tuple(tokens.shape)}")
    per_stream = (tokens.numel() - 1) // batch_size
    chunks = per_stream // steps
    if chunks < 1:
        raise ValueError(f"tbptt_batches: {tokens.numel()} tokens are too few for "
                         f"batch_size={batch_size} streams of steps={steps} (need at least "
                         f"{batch_size * steps + 1}).")
    usable = chunks * steps
    starts = torch.arange(batch_size) * per_stream
    index = starts[:, None] + torch.arange(usable)[None, :]
    tokens = tokens.long()

    def layout(ids: torch.Tensor) -> torch.Tensor:  # (B, chunks*steps) -> (chunks*B, steps)
        return ids.reshape(batch_size, chunks, steps).transpose(0, 1).reshape(-1, steps)

    return layout(tokens[index]), layout(tokens[index + 1])
