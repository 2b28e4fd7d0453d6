"""Greedy and batched beam-search decoding for step-by-step decoders.

A model decodes with three methods (``Seq2Seq`` and ``CaptionModel`` have them):

- ``encode(src) -> enc``: what every step reads (a dict of batch-first tensors);
- ``initial_state(enc) -> state``: the decoder state (a dict of batch-first tensors);
- ``decode_step(prev (N,), state, enc) -> (logits (N, V), state, weights (N, S) | None)``;

and the attributes ``bos_id`` and ``eos_id``.

Beam search keeps the ``beam_width`` best partial outputs of each sentence by summed
log-probability, all sentences at once as a ``(batch * beam_width)`` batch. A beam that
emits EOS is finished: it continues only with EOS at no cost, so its score stays fixed.
The best finished beam is chosen by ``score / length ** length_penalty`` (``length``
counts tokens up to and including EOS; ``length_penalty=0`` means raw log-probability).
Search stops when every beam has finished or after ``max_len`` steps.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import torch

from ..tree import flatten, map_structure


@dataclass
class Decoded:
    """Decoder output. ``tokens (B, L)`` ids (EOS included, EOS-padded after it),
    ``scores (B,)`` summed log-probabilities, ``attention (B, L, S)`` weights or None."""

    tokens: torch.Tensor
    scores: torch.Tensor
    attention: torch.Tensor | None


def _map_tensors(fn: Callable, x: Any) -> Any:
    """``fn`` applied to every tensor of the structure ``x`` (other leaves kept)."""
    return map_structure(lambda t: fn(t) if isinstance(t, torch.Tensor) else t, x)


def _batch_size(x: Any) -> int:
    """The batch size: the first axis of the first tensor in the structure ``x``."""
    return next(t for t in flatten(x) if isinstance(t, torch.Tensor)).shape[0]


def _check(model: Any, max_len: int, beam_width: int = 1) -> None:
    for name in ("encode", "initial_state", "decode_step", "bos_id", "eos_id"):
        if not hasattr(model, name):
            raise TypeError(f"decoding: the model ({type(model).__name__}) has no {name!r}; "
                            f"it needs encode, initial_state, decode_step, bos_id and eos_id")
    if not isinstance(max_len, int) or max_len < 1:
        raise ValueError(f"decoding: max_len must be an int >= 1, got {max_len!r}")
    if not isinstance(beam_width, int) or isinstance(beam_width, bool) or beam_width < 1:
        raise ValueError(f"beam_search: beam_width must be an int >= 1, got {beam_width!r}")


def _eval(model):
    was = model.training
    model.eval()
    return was


@torch.inference_mode()
def greedy_decode(model: Any, src: Any, max_len: int) -> Decoded:
    """Take the most likely token at each step, for a batch ``src`` at once."""
    _check(model, max_len)
    was = _eval(model)
    try:
        enc = model.encode(torch.as_tensor(src))
        state = model.initial_state(enc)
        n = _batch_size(enc)
        prev = torch.full((n,), model.bos_id, dtype=torch.long)
        done = torch.zeros(n, dtype=torch.bool)
        scores = torch.zeros(n)
        tokens, attn = [], []
        for _ in range(max_len):
            logits, state, w = model.decode_step(prev, state, enc)
            logp = logits.float().log_softmax(-1)
            best = logp.argmax(-1)
            best = torch.where(done, torch.full_like(best, model.eos_id), best)
            scores += torch.where(done, 0.0, logp.gather(1, best[:, None]).squeeze(1))
            tokens.append(best)
            attn.append(w)
            done |= best == model.eos_id
            prev = best
            if bool(done.all()):
                break
        return Decoded(torch.stack(tokens, 1), scores,
                       None if attn[0] is None else torch.stack(attn, 1))
    finally:
        model.train(was)


@torch.inference_mode()
def beam_search(model: Any, src: Any, beam_width: int = 5, max_len: int = 20,
                length_penalty: float = 1.0) -> Decoded:
    """Batched beam search (see the module docstring); returns the best beam per input."""
    _check(model, max_len, beam_width)
    if length_penalty < 0:
        raise ValueError(f"beam_search: length_penalty must be >= 0, got {length_penalty}")
    was = _eval(model)
    try:
        k = beam_width
        enc = model.encode(torch.as_tensor(src))
        b = _batch_size(enc)
        enc = _map_tensors(lambda t: t.repeat_interleave(k, 0), enc)
        state = model.initial_state(enc)
        prev = torch.full((b * k,), model.bos_id, dtype=torch.long)
        scores = torch.full((b, k), float("-inf"))
        scores[:, 0] = 0.0  # all beams start identical: keep one so the first step fans out
        finished = torch.zeros(b * k, dtype=torch.bool)
        lengths = torch.zeros(b * k)
        tokens = torch.empty(b * k, 0, dtype=torch.long)
        attn = None
        base = (torch.arange(b) * k)[:, None]
        for step in range(max_len):
            logits, state, w = model.decode_step(prev, state, enc)
            logp = logits.float().log_softmax(-1)
            v = logp.shape[-1]
            if step == 0 and k > v:
                raise ValueError(f"beam_search: beam_width={k} is larger than the vocabulary "
                                 f"({v} tokens)")
            eos_only = torch.full((v,), float("-inf"))
            eos_only[model.eos_id] = 0.0
            logp = torch.where(finished[:, None], eos_only, logp)
            top, idx = (scores.reshape(-1, 1) + logp).reshape(b, k * v).topk(k, dim=1)
            rows = (base + idx // v).reshape(-1)
            tok = (idx % v).reshape(-1)
            state = _map_tensors(lambda t: t.index_select(0, rows), state)
            tokens = torch.cat([tokens[rows], tok[:, None]], 1)
            if w is not None:
                w = w.index_select(0, rows)[:, None]
                attn = w if attn is None else torch.cat([attn[rows], w], 1)
            finished = finished[rows]
            lengths = lengths[rows] + (~finished).float()
            finished = finished | (tok == model.eos_id)
            scores, prev = top, tok
            if bool(finished.all()):
                break
        final = scores.reshape(-1) / lengths.clamp_min(1.0) ** length_penalty
        best = base.squeeze(1) + final.reshape(b, k).argmax(1)
        return Decoded(tokens[best], scores.reshape(-1)[best],
                       None if attn is None else attn[best])
    finally:
        model.train(was)


def strip_eos(tokens: torch.Tensor, eos_id: int) -> list:
    """``tokens (B, L)`` -> list of id lists, each cut before its first EOS."""
    out = []
    for row in tokens.tolist():
        out.append(row[:row.index(eos_id)] if eos_id in row else row)
    return out
