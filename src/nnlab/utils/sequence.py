"""``pad_sequences``: variable-length sequences to one ``(N, maxlen)`` array (Keras' rules)."""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np


def pad_sequences(sequences: Sequence[Any], maxlen: Optional[int] = None, dtype: Any = "int32",
                  padding: str = "pre", truncating: str = "pre", value: Any = 0.0) -> np.ndarray:
    """Pad (or cut) each sequence to ``maxlen`` (``keras.utils.pad_sequences``).

    Args:
        sequences: list of sequences (lists or arrays); each item may itself be an array
            (all items of the same shape), giving ``(N, maxlen, *item_shape)``.
        maxlen: output length (default: the longest sequence).
        dtype: output dtype (default ``"int32"``, as Keras; use ``"float32"`` for floats,
            ``object`` or a string dtype for strings).
        padding: ``"pre"`` (default, as Keras) or ``"post"``: where the padding goes.
        truncating: ``"pre"`` (default: keep the *last* ``maxlen`` items) or ``"post"``.
        value: the padding value.

    Returns:
        ``(len(sequences), maxlen)`` (or ``(N, maxlen, *item_shape)``) numpy array.

    Raises:
        ValueError: ``sequences`` is not a list of sequences, an unknown ``padding`` /
            ``truncating``, items of different shapes, or a string ``value`` with a numeric
            ``dtype``.

    Example:
        >>> pad_sequences([[1, 2, 3], [4]], maxlen=2).tolist()
        [[2, 3], [0, 4]]
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"pad_sequences: sequences must be a list of sequences, got "
                         f"{type(sequences).__name__}")
    for arg, choice in (("padding", padding), ("truncating", truncating)):
        if choice not in ("pre", "post"):
            raise ValueError(f"pad_sequences: {arg} must be 'pre' or 'post', got {choice!r}")
    if maxlen is not None and (not isinstance(maxlen, (int, np.integer)) or maxlen < 0):
        raise ValueError(f"pad_sequences: maxlen must be a non-negative int or None, got "
                         f"{maxlen!r}")
    lengths, sample_shape, found = [], (), False
    for i, seq in enumerate(sequences):
        try:
            lengths.append(len(seq))
        except TypeError:
            raise ValueError(f"pad_sequences: sequences[{i}] is not a sequence (got "
                             f"{type(seq).__name__}); pass a list of lists") from None
        if not found and len(seq):
            sample_shape, found = np.asarray(seq).shape[1:], True
    if maxlen is None:
        maxlen = max(lengths, default=0)
    is_text = np.issubdtype(np.dtype(dtype), np.str_) or np.dtype(dtype) == object
    if isinstance(value, str) and not is_text:
        raise ValueError(f"pad_sequences: dtype {dtype!r} is not compatible with value "
                         f"{value!r}; use dtype=object for strings")
    out = np.full((len(sequences), maxlen) + tuple(sample_shape), value, dtype=dtype)
    for i, seq in enumerate(sequences):
        if not len(seq) or maxlen == 0:
            continue  # empty sequences are all padding
        trunc = np.asarray(seq[-maxlen:] if truncating == "pre" else seq[:maxlen], dtype=dtype)
        if trunc.shape[1:] != tuple(sample_shape):
            raise ValueError(f"pad_sequences: sequences[{i}] has items of shape "
                             f"{trunc.shape[1:]}, expected {tuple(sample_shape)} like the "
                             f"first non-empty sequence")
        if padding == "post":
            out[i, :len(trunc)] = trunc
        else:
            out[i, maxlen - len(trunc):] = trunc
    return out
