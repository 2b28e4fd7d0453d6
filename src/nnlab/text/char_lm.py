"""Character language model (Karpathy's char-rnn, the lectures' "write Shakespeare"):
``Embedding -> LSTM x num_layers -> Dense(vocab)`` predicting the next character.

Training is ordinary ``compile``/``fit`` with
``SparseCategoricalCrossentropy(from_logits=True)`` and the ``"bits_per_character"`` /
``"perplexity"`` metrics; text comes from :func:`char_lm_windows`. Sampling (temperature,
greedy, top-k) is :func:`nnlab.text.sampling.sample`, which drives :meth:`CharLM.step`.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from ..layers import LSTM, Dense, Dropout, Embedding
from ..models import Model
from .vocab import CharVocabulary


class CharLM(Model):
    """Next-character model.

    Args:
        vocab_size: number of ids (``len(vocab)``).
        embedding_dim: size of the character vectors.
        units: LSTM state size; ``num_layers`` stacked LSTMs.
        dropout: dropout between the LSTM layers and before the output layer.

    Input shape: ``(batch, T)`` int ids. Output shape: ``(batch, T, vocab_size)`` logits
    of the character at each next position.
    """

    def __init__(self, vocab_size: int, embedding_dim: int = 64, units: int = 256,
                 num_layers: int = 2, dropout: float = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        if num_layers < 1:
            raise ValueError(f"CharLM: num_layers must be >= 1, got {num_layers}")
        self.vocab_size, self.units, self.num_layers = vocab_size, units, num_layers
        self.embedding = Embedding(vocab_size, embedding_dim)
        self.rnns = nn.ModuleList(LSTM(units, return_sequences=True, return_state=True)
                                  for _ in range(num_layers))
        self.drop = Dropout(dropout)
        self.head = Dense(vocab_size)

    def step(self, ids: torch.Tensor, states: list | None = None,
             training: bool | None = None) -> tuple[torch.Tensor, list]:
        """Logits ``(batch, T, V)`` and the new states (one ``[h, c]`` per layer)."""
        x = self.embedding(ids)
        new_states = []
        for i, rnn in enumerate(self.rnns):
            if i:
                x = self.drop(x, training=training)
            x, h, c = rnn(x, training=training,
                          initial_state=None if states is None else states[i])
            new_states.append([h, c])
        return self.head(self.drop(x, training=training)), new_states

    def call(self, inputs: torch.Tensor, training: bool | None = None) -> torch.Tensor:
        return self.step(inputs, None, training)[0]


def char_lm_windows(text: str, vocab: CharVocabulary, seq_len: int = 100,
                    validation_fraction: float = 0.1, max_chars: int | None = None):
    """Cut ``text`` into training and held-out windows for next-character prediction.

    The last ``validation_fraction`` of the text (whole works at the end of the corpus)
    is held out; both parts are cut into non-overlapping windows of ``seq_len + 1``
    characters, ``x`` = the first ``seq_len``, ``y`` = the last ``seq_len``.

    Returns ``(x_train, y_train), (x_val, y_val)``, int64 arrays ``(N, seq_len)``.
    """
    if not 0 < validation_fraction < 1:
        raise ValueError(f"char_lm_windows: validation_fraction must be in (0, 1), got "
                         f"{validation_fraction}")
    if seq_len < 1:
        raise ValueError(f"char_lm_windows: seq_len must be >= 1, got {seq_len}")
    cut = int(len(text) * (1 - validation_fraction))
    parts = []
    for part in (text[:cut], text[cut:]):
        part = part[:max_chars] if max_chars else part
        ids = np.asarray(vocab.encode(part), dtype=np.int64)
        n = (len(ids) - 1) // seq_len
        if n < 1:
            raise ValueError(f"char_lm_windows: {len(ids)} characters cannot fill one window "
                             f"of seq_len={seq_len}")
        parts.append((ids[:n * seq_len].reshape(n, seq_len),
                      ids[1:n * seq_len + 1].reshape(n, seq_len)))
    return parts[0], parts[1]


def word_fraction_in_vocabulary(sampled: str, training_text: str) -> float:
    """Fraction of the words of ``sampled`` (letters and apostrophes, lower-cased) that
    occur in ``training_text``; 0.0 when ``sampled`` has no words."""
    import re
    find = re.compile(r"[a-z']+").findall
    known = set(find(training_text.lower()))
    words = [w.strip("'") for w in find(sampled.lower())]
    words = [w for w in words if w]
    return float(np.mean([w in known for w in words])) if words else 0.0


@torch.inference_mode()
def stream_bits_per_character(model: CharLM, ids: Any, streams: int = 50,
                              chunk: int = 500) -> tuple[float, int]:
    """Bits/char of ``ids`` read as running text, the usual held-out measure of character
    models (as on enwik8): the stream is cut into ``streams`` parallel rows
    (:func:`nnlab.text.tbptt_batches`) read in chunks of ``chunk`` characters with the
    LSTM states carried on, so each character is predicted from all the text before it
    in its row, not from the start of a fixed window.

    Returns ``(bits per character, number of characters predicted)``; a tail shorter than
    ``streams * chunk`` is left out (``tbptt_batches``).
    """
    from torch.nn.functional import cross_entropy

    from .tbptt import tbptt_batches
    x, y = tbptt_batches(torch.as_tensor(np.asarray(ids, dtype=np.int64)), streams, chunk)
    was_training, states, total = model.training, None, 0.0
    model.eval()
    try:
        for k in range(0, len(x), streams):
            logits, states = model.step(x[k:k + streams], states, training=False)
            total += float(cross_entropy(logits.flatten(0, 1).float(),
                                         y[k:k + streams].flatten(), reduction="sum"))
    finally:
        model.train(was_training)
    return total / y.numel() / float(np.log(2)), int(y.numel())
