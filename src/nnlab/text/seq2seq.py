"""Encoder-decoder with attention (Bahdanau 2015; Luong 2015) for character sequences.

Encoder: ``Embedding -> Bidirectional(LSTM|GRU(units // 2, return_sequences=True))``,
giving ``memory (batch, S, units)``. Decoder, one step per output token:

- ``attention="bahdanau"``: context from the previous state, ``c_t = attn(s_{t-1}, h)``;
  ``s_t = RNN([emb(y_{t-1}); c_t], s_{t-1})``; logits ``= W_o tanh(W_s [s_t; c_t])``.
- ``attention="dot"`` / ``"general"`` (Luong, with input feeding):
  ``s_t = RNN([emb(y_{t-1}); ~h_{t-1}], s_{t-1})``; ``c_t = attn(s_t, h)``;
  ``~h_t = tanh(W_c [c_t; s_t])``; logits ``= W_o ~h_t``.

Training is teacher forcing through ``fit``: ``model([src, tgt_in])`` gives logits
``(batch, T, V)`` for ``tgt_out`` (``tgt_in`` = BOS + target, ``tgt_out`` = target + EOS).
Ids default to :class:`nnlab.text.CharVocabulary`'s: 0 = PAD, and EOS (2) also serves as
the decoder's start token BOS (as fairseq does), so one vocabulary needs no fourth id.
Inference uses the protocol of :mod:`nnlab.text.decoding` (``encode``,
``initial_state``, ``decode_step``): greedy or beam search, with attention weights.
The source is padded with ``pad_id`` (0): the encoder gets the padding mask (its
bidirectional RNN runs packed sequences, so padded steps change no state) and attention
gives padded positions zero weight.
"""
from __future__ import annotations

from typing import Any

import torch

from ..layers import GRU, LSTM, Bidirectional, Dense, Embedding
from ..models import Model
from .vocab import CharVocabulary
from .attention_scores import ATTENTION_KINDS, StepAttention

BOS, EOS, PAD = CharVocabulary.EOS, CharVocabulary.EOS, CharVocabulary.PAD
CELLS = {"lstm": LSTM, "gru": GRU}


class AttentionDecoder(Model):
    """The attentive decoder, shared by :class:`Seq2Seq` and the captioning model.

    Subclasses define ``encode(src) -> {"memory": (B, S, units), "keys", "mask": (B, S)}``
    (``keys = self.attention.keys(memory)``).

    Args:
        tgt_vocab_size: number of target ids.
        embedding_dim: size of the target token vectors.
        units: decoder state size (and the size the encoder's memory must have).
        cell: ``"lstm"`` or ``"gru"``.
        attention: ``"bahdanau"`` (additive), ``"dot"`` or ``"general"`` (Luong).
    """

    def __init__(self, tgt_vocab_size: int, embedding_dim: int = 32, units: int = 64,
                 cell: str = "lstm", attention: str = "bahdanau", bos_id: int = BOS,
                 eos_id: int = EOS, pad_id: int = PAD, **kwargs: Any):
        super().__init__(**kwargs)
        if cell not in CELLS:
            raise ValueError(f"{type(self).__name__}: cell must be one of {sorted(CELLS)}, "
                             f"got {cell!r}")
        if attention not in ATTENTION_KINDS:
            raise ValueError(f"{type(self).__name__}: attention must be one of "
                             f"{ATTENTION_KINDS}, got {attention!r}")
        self.cell, self.attention_kind, self.units = cell, attention, units
        self.bos_id, self.eos_id, self.pad_id = bos_id, eos_id, pad_id
        self.tgt_vocab_size = tgt_vocab_size
        self.tgt_embedding = Embedding(tgt_vocab_size, embedding_dim)
        self.decoder = CELLS[cell](units, return_sequences=True, return_state=True)
        self.bridge = Dense(units, activation="tanh")  # masked mean of memory -> s_0
        self.attention = StepAttention(attention, units)
        self.combine = Dense(units, activation="tanh")
        self.out = Dense(tgt_vocab_size)

    def encode(self, src: torch.Tensor) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    # ----------------------------------------------------- decoding protocol
    def initial_state(self, enc: dict) -> dict:
        """``{"h": (B, units)[, "c"], "feed": (B, units)}`` from the masked mean of memory."""
        m = enc["mask"].unsqueeze(-1).to(enc["memory"].dtype)
        mean = (enc["memory"] * m).sum(1) / m.sum(1).clamp_min(1.0)
        h = self.bridge(mean)
        state = {"h": h, "feed": torch.zeros_like(h)}
        if self.cell == "lstm":
            state["c"] = torch.zeros_like(h)
        return state

    def decode_step(self, prev: torch.Tensor, state: dict, enc: dict):
        """One step: ``prev (B,)`` ids -> logits ``(B, V)``, new state, weights ``(B, S)``."""
        emb = self.tgt_embedding(prev.long())
        rnn_state = [state["h"], state["c"]] if self.cell == "lstm" else [state["h"]]
        if self.attention_kind == "bahdanau":
            context, weights = self.attention(state["h"], enc["keys"], enc["memory"], enc["mask"])
            x = torch.cat([emb, context], -1)
        else:
            x = torch.cat([emb, state["feed"]], -1)
        _, *new = self.decoder(x.unsqueeze(1), initial_state=rnn_state)
        h = new[0]
        if self.attention_kind != "bahdanau":
            context, weights = self.attention(h, enc["keys"], enc["memory"], enc["mask"])
        feed = self.combine(torch.cat([context, h], -1))
        out = {"h": h, "feed": feed}
        if self.cell == "lstm":
            out["c"] = new[1]
        return self.out(feed), out, weights

    # ---------------------------------------------------------- training
    def call(self, inputs: Any, training: bool | None = None) -> torch.Tensor:
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f"{name} expects inputs [source, tgt_in (batch, T)]; got "
                             f"{type(inputs).__name__}")
        src, tgt_in = inputs
        if src.shape[0] != tgt_in.shape[0]:
            raise ValueError(f"{name}: the source has {src.shape[0]} rows but tgt_in has "
                             f"{tgt_in.shape[0]}")
        enc = self.encode(src)
        state = self.initial_state(enc)
        logits = []
        for t in range(tgt_in.shape[1]):  # teacher forcing: feed the true previous token
            step_logits, state, _ = self.decode_step(tgt_in[:, t], state, enc)
            logits.append(step_logits)
        return torch.stack(logits, 1)


class Seq2Seq(AttentionDecoder):
    """Attentive encoder-decoder for token sequences.

    Args:
        src_vocab_size, tgt_vocab_size: id counts of source and target vocabularies.
        embedding_dim: size of the token vectors (both sides).
        units: decoder state size; the bidirectional encoder has ``units // 2`` per
            direction, so its outputs have ``units`` features (even number required).
        cell: ``"lstm"`` or ``"gru"``.
        attention: ``"bahdanau"`` (additive), ``"dot"`` or ``"general"`` (Luong).

    Input: ``[src (batch, S), tgt_in (batch, T)]`` int ids. Output: ``(batch, T, V)`` logits.
    """

    def __init__(self, src_vocab_size: int, tgt_vocab_size: int, embedding_dim: int = 32,
                 units: int = 64, cell: str = "lstm", attention: str = "bahdanau",
                 **kwargs: Any):
        if not isinstance(units, int) or units < 2 or units % 2:
            raise ValueError(f"Seq2Seq: units must be an even int >= 2, got {units!r}")
        super().__init__(tgt_vocab_size, embedding_dim, units, cell, attention, **kwargs)
        self.src_embedding = Embedding(src_vocab_size, embedding_dim)
        self.encoder = Bidirectional(CELLS[cell](units // 2, return_sequences=True))

    def encode(self, src: torch.Tensor) -> dict:
        """``{"memory": (B, S, units), "keys": (B, S, K), "mask": (B, S) bool}``."""
        src = src.long()
        mask = src != self.pad_id
        memory = self.encoder(self.src_embedding(src), mask=mask)  # padding changes nothing
        return {"memory": memory, "keys": self.attention.keys(memory), "mask": mask}


def teacher_forcing_pairs(tgt: torch.Tensor | Any, bos_id: int = BOS, eos_id: int = EOS):
    """``tgt (N, T)`` ids (no BOS/EOS) -> ``tgt_in (N, T+1)`` = BOS + tgt and
    ``tgt_out (N, T+1)`` = tgt + EOS (the decoder input and the labels)."""
    tgt = torch.as_tensor(tgt).long()
    bos = torch.full((tgt.shape[0], 1), bos_id, dtype=torch.long)
    eos = torch.full((tgt.shape[0], 1), eos_id, dtype=torch.long)
    return torch.cat([bos, tgt], 1), torch.cat([tgt, eos], 1)


__all__ = ["AttentionDecoder", "Seq2Seq", "teacher_forcing_pairs"]
