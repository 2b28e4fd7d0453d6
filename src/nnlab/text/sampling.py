"""Sampling text from a language model: temperature, greedy and top-k.

The model needs ``step(ids (batch, T), states) -> (logits (batch, T, V), states)``
(:class:`nnlab.text.char_lm.CharLM` has it). With temperature ``tau`` the next id is
drawn from ``softmax(logits / tau)``: ``tau -> 0`` approaches greedy (argmax), ``tau = 1``
is the model's distribution, ``tau > 1`` flattens it. ``top_k`` keeps only the ``k``
most likely ids before drawing.
"""
from __future__ import annotations

from typing import Any

import torch


def _check(length: int, temperature: float, top_k: int | None, vocab_size: int) -> None:
    if not isinstance(length, int) or length < 0:
        raise ValueError(f"sample: length must be an int >= 0, got {length!r}")
    if not isinstance(temperature, (int, float)) or not temperature > 0:
        raise ValueError(f"sample: temperature must be a number > 0 (use greedy=True for "
                         f"argmax decoding), got {temperature!r}")
    if top_k is not None and (not isinstance(top_k, int) or not 1 <= top_k <= vocab_size):
        raise ValueError(f"sample: top_k must be an int in [1, {vocab_size}] (the vocabulary "
                         f"size) or None, got {top_k!r}")


@torch.inference_mode()
def sample(model: Any, vocab: Any, seed: str, length: int, temperature: float = 1.0,
           top_k: int | None = None, greedy: bool = False,
           generator: torch.Generator | int | None = None) -> str:
    """Continue ``seed`` by ``length`` characters; returns only the new characters.

    Args:
        model: a model with ``step`` (see the module docstring).
        vocab: the vocabulary the model was trained with (``encode``/``decode``).
        seed: the text to start from (at least one character).
        temperature: > 0; divides the logits before the softmax.
        top_k: draw only among the ``top_k`` most likely characters.
        greedy: take the argmax at each step (temperature and top_k are then unused).
        generator: a ``torch.Generator`` or an int seed, for reproducible draws.
    """
    _check(length, temperature, top_k, len(vocab))
    if not isinstance(seed, str) or not seed:
        raise ValueError(f"sample: seed must be a non-empty string, got {seed!r}")
    if isinstance(generator, int):
        generator = torch.Generator().manual_seed(generator)
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        ids = torch.as_tensor(vocab.encode(seed), device=device)[None]
        logits, states = model.step(ids, None, training=False)
        out = []
        for _ in range(length):
            last = logits[0, -1].float()
            if greedy:
                nxt = int(last.argmax())
            else:
                last = last / temperature
                if top_k is not None:
                    kth = last.topk(top_k).values[-1]
                    last = last.masked_fill(last < kth, float("-inf"))
                probs = last.softmax(-1).cpu()
                nxt = int(torch.multinomial(probs, 1, generator=generator))
            out.append(nxt)
            logits, states = model.step(torch.tensor([[nxt]], device=device), states,
                                        training=False)
        return vocab.decode(out, stop_at_eos=False)
    finally:
        model.train(was_training)
