"""``TextVectorization``: raw strings to token ids, multi-hot, counts or TF-IDF (Keras 3).

Keras computes this layer with TensorFlow string ops; nnlab has no TensorFlow, so the
steps are written out in Python following Keras' source: ASCII lowercasing (as
``tf.strings.lower``), the punctuation regex of ``tf.strings.regex_replace`` in Keras,
whitespace or character split, then :class:`StringLookup` with ``mask_token=""``.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any, Callable, List, Optional, Union

import numpy as np
import torch

from .base.layer import Layer
from .string_lookup import StringLookup, sort_by_count

#: Keras' DEFAULT_STRIP_REGEX (``,-.`` is a range: ``,``, ``-`` and ``.``)
STRIP_REGEX = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_STANDARDIZE = (None, "lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = (None, "whitespace", "character")
_MODES = ("int", "multi_hot", "count", "tf_idf")


class TextVectorization(Layer):
    """Turn a batch of strings into ids (or bag-of-words vectors) with a learned vocabulary.

    Args:
        max_tokens: vocabulary cap, counting the mask ``""`` (int mode) and ``[UNK]``.
        standardize: ``"lower_and_strip_punctuation"`` (default), ``"lower"``,
            ``"strip_punctuation"``, ``None`` or a callable ``str -> str``.
        split: ``"whitespace"`` (default), ``"character"``, ``None`` or a callable
            ``str -> list[str]``.
        output_mode: ``"int"`` (default), ``"multi_hot"``, ``"count"`` or ``"tf_idf"``.
        output_sequence_length: int mode only: pad with 0 / cut at the end to this length
            (default: pad to the longest string of the batch).
        vocabulary: a list of tokens or a file path (one per line); duplicates are an error.
        idf_weights: TF-IDF weights, one per vocabulary entry (with ``vocabulary``).
        ngrams: must be None (n-grams are not implemented).

    Input shape: strings ``(batch,)`` or ``(batch, 1)``: a list, tuple or numpy array.
    Output shape: int64 ``(batch, length)`` in int mode (with ``split=None`` and no
    ``output_sequence_length``: one id per string, the input's shape, as Keras), else
    float ``(batch, vocab_size)``.

    Raises:
        ValueError: for an unknown argument value, an empty ``adapt``, repeated vocabulary
            terms.

    Example:
        >>> from nnlab.layers import TextVectorization
        >>> tv = TextVectorization(output_sequence_length=4)
        >>> tv.adapt(["The cat sat.", "The dog!"])
        >>> tv.get_vocabulary()
        ['', '[UNK]', 'the', 'sat', 'dog', 'cat']
        >>> tv(["the cat ate"])
        tensor([[2, 5, 1, 0]])
    """

    def __init__(self, max_tokens: Optional[int] = None,
                 standardize: Union[str, Callable, None] = "lower_and_strip_punctuation",
                 split: Union[str, Callable, None] = "whitespace", ngrams: Any = None,
                 output_mode: str = "int", output_sequence_length: Optional[int] = None,
                 vocabulary: Any = None, idf_weights: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        if not callable(standardize) and standardize not in _STANDARDIZE:
            raise ValueError(f"TextVectorization: standardize must be one of "
                             f"{list(_STANDARDIZE)} or a callable, got {standardize!r}")
        if not callable(split) and split not in _SPLIT:
            raise ValueError(f"TextVectorization: split must be one of {list(_SPLIT)} or a "
                             f"callable, got {split!r}")
        if ngrams is not None:
            raise NotImplementedError("TextVectorization: ngrams is not implemented in nnlab; "
                                      "use ngrams=None.")
        if output_mode not in _MODES:
            raise ValueError(f"TextVectorization: output_mode must be one of {list(_MODES)}, "
                             f"got {output_mode!r}")
        if output_sequence_length is not None:
            if output_mode != "int":
                raise ValueError(f"TextVectorization: output_sequence_length is only valid "
                                 f"with output_mode='int', got output_mode={output_mode!r}")
            if not isinstance(output_sequence_length, int) or output_sequence_length < 1:
                raise ValueError(f"TextVectorization: output_sequence_length must be a "
                                 f"positive int, got {output_sequence_length!r}")
        self.standardize = standardize
        self.split = split
        self.output_mode = output_mode
        self.output_sequence_length = output_sequence_length
        self._lookup = StringLookup(max_tokens=max_tokens, mask_token="",
                                    output_mode="int" if output_mode == "int" else "count")
        self.idf_weights: Optional[torch.Tensor] = None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # --------------------------------------------------------------- vocabulary
    def get_vocabulary(self, include_special_tokens: bool = True) -> List[str]:
        return self._lookup.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        return self._lookup.vocabulary_size()

    def set_vocabulary(self, vocabulary: Any, idf_weights: Any = None) -> None:
        """Use ``vocabulary`` (list or file path); ``idf_weights`` for ``tf_idf``."""
        self._lookup.set_vocabulary(vocabulary)
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError("TextVectorization: output_mode='tf_idf' with a given "
                                 "vocabulary needs idf_weights=")
            w = torch.as_tensor(np.asarray(idf_weights, dtype="float32"))
            if w.numel() == self.vocabulary_size() - 1:  # no OOV weight: Keras pads the mean
                w = torch.cat([w.mean().reshape(1), w])
            self.idf_weights = w

    def adapt(self, data: Any, batch_size: Any = None, steps: Any = None) -> None:
        """Learn the vocabulary (and document frequencies for ``tf_idf``) from strings."""
        texts = self._texts(data)
        if not texts:
            raise ValueError("TextVectorization.adapt: got an empty list of strings; pass at "
                             "least one string.")
        docs = [[t for t in self._tokens(s) if t != ""] for s in texts]
        counts = Counter(t for doc in docs for t in doc)
        if not counts:
            raise ValueError("TextVectorization.adapt: the strings hold no tokens after "
                             "standardize and split.")
        tokens = sort_by_count(counts)
        if self._lookup.max_tokens is not None:
            tokens = tokens[:max(self._lookup.max_tokens - self._lookup._token_start(), 0)]
        self._lookup._set_tokens(tokens)
        if self.output_mode == "tf_idf":  # Keras: log(1 + N / (1 + df)); OOV gets the mean
            df = Counter(t for doc in docs for t in set(doc))
            idf = torch.tensor([math.log(1 + len(docs) / (1 + df[t])) for t in tokens])
            self.idf_weights = torch.cat([idf.mean().reshape(1), idf]) if len(idf) else idf

    # --------------------------------------------------------------- pipeline
    def _texts(self, data: Any) -> List[str]:
        if isinstance(data, str):
            raise ValueError("TextVectorization: expected a batch of strings (a list), got a "
                             "single string; wrap it: [text].")
        arr = np.asarray(data, dtype=object)
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim != 1:
            raise ValueError(f"TextVectorization: inputs must have shape (batch,) or "
                             f"(batch, 1), got {arr.shape}")
        return [s.decode() if isinstance(s, bytes) else str(s) for s in arr]

    def _tokens(self, text: str) -> List[str]:
        std = self.standardize
        if std in ("lower", "lower_and_strip_punctuation"):
            text = text.translate(_ASCII_LOWER)
        if std in ("strip_punctuation", "lower_and_strip_punctuation"):
            text = STRIP_REGEX.sub("", text)
        if callable(std):
            text = std(text)
        if self.split == "whitespace":
            return text.split()
        if self.split == "character":
            return list(text)
        if callable(self.split):
            return list(self.split(text))
        return [text]

    def forward(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        return self.call(inputs)

    def call(self, inputs: Any) -> torch.Tensor:
        rows = [[self._lookup._lookup(t) for t in self._tokens(s)]
                for s in self._texts(inputs)]
        if self.output_mode == "int" and self.split is None and \
                self.output_sequence_length is None:  # Keras: one id per string, same shape
            ids = torch.tensor([r[0] for r in rows], dtype=torch.int64)
            return ids if np.ndim(np.asarray(inputs, dtype=object)) == 1 else ids[:, None]
        if self.output_mode == "int":
            length = self.output_sequence_length or max((len(r) for r in rows), default=0)
            out = torch.zeros(len(rows), length, dtype=torch.int64)
            for i, r in enumerate(rows):
                r = r[:length]
                out[i, :len(r)] = torch.tensor(r, dtype=torch.int64)
            return out
        counts = torch.zeros(len(rows), self.vocabulary_size())
        for i, r in enumerate(rows):
            if r:
                counts[i].index_add_(0, torch.tensor(r), torch.ones(len(r)))
        if self.output_mode == "multi_hot":
            return (counts > 0).float()
        if self.output_mode == "tf_idf":
            return counts * self.idf_weights
        return counts
