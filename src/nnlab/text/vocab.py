"""A character vocabulary with padding, unknown and end-of-sequence ids: the one every
character model of ``nnlab.text`` uses (char-LM, the dates seq2seq)."""
from __future__ import annotations

from collections import Counter
from typing import Iterable, List, Optional, Sequence, Union

import numpy as np


class CharVocabulary:
    """Characters <-> integer ids for character-level models.

    Ids ``0``, ``1``, ``2`` are reserved: ``PAD`` (so ``Embedding(mask_zero=True)`` masks
    padding), ``UNK`` (characters not in the vocabulary) and ``EOS`` (end of sequence);
    characters follow, most frequent first (ties in character order). A decoder that
    needs a start token uses ``EOS`` (as fairseq does): see ``nnlab.text.seq2seq``.

    Args:
        chars: the characters, in id order (no duplicates, no reserved tokens).

    Example:
        >>> v = CharVocabulary.from_text("hello")
        >>> v.encode("hex", add_eos=True)
        [5, 4, 1, 2]
        >>> v.decode([5, 4, 3, 3, 6, 2, 5])
        'hello'
    """

    PAD, UNK, EOS = 0, 1, 2
    special_tokens = ("<pad>", "<unk>", "<eos>")

    def __init__(self, chars: Sequence[str]):
        chars = list(chars)
        bad = [c for c in chars if not isinstance(c, str) or len(c) != 1]
        if bad:
            raise ValueError(f"CharVocabulary: every entry must be one character, got "
                             f"{bad[:5]!r}")
        seen: set = set()
        dupes = sorted({c for c in chars if c in seen or seen.add(c)})
        if dupes:
            raise ValueError(f"CharVocabulary: repeated characters {dupes[:5]!r}; each must "
                             f"appear once.")
        self.chars: List[str] = chars
        self._index = {c: i + 3 for i, c in enumerate(chars)}

    @classmethod
    def from_text(cls, text: Union[str, Iterable[str]], max_size: Optional[int] = None,
                  min_count: int = 1) -> "CharVocabulary":
        """Characters of ``text`` (one string or several) seen at least ``min_count``
        times, most frequent first; ``max_size`` caps the total size including the 3
        reserved ids."""
        texts = [text] if isinstance(text, str) else list(text)
        bad = [type(t).__name__ for t in texts if not isinstance(t, str)]
        if bad:
            raise ValueError(f"CharVocabulary.from_text: text must be a string or strings, "
                             f"got items of type {bad[:3]}")
        counts = Counter()
        for t in texts:
            counts.update(t)
        if not counts:
            raise ValueError("CharVocabulary.from_text: got an empty text.")
        chars = [c for c, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
                 if n >= min_count]
        if max_size is not None:
            if max_size < 4:
                raise ValueError(f"CharVocabulary.from_text: max_size must be >= 4 (3 "
                                 f"reserved ids and one character), got {max_size}")
            chars = chars[:max_size - 3]
        return cls(chars)

    def __len__(self) -> int:
        return len(self.chars) + 3

    def encode(self, text: str, add_eos: bool = False) -> List[int]:
        """Ids of ``text``'s characters (``UNK`` for unknown ones), plus ``EOS`` if asked."""
        ids = [self._index.get(c, self.UNK) for c in text]
        return ids + [self.EOS] if add_eos else ids

    def encode_batch(self, texts: Sequence[str], length: Optional[int] = None,
                     add_eos: bool = False) -> np.ndarray:
        """``(len(texts), length)`` int64 ids, right-padded with ``PAD`` (``length``
        defaults to the longest encoding); a text longer than ``length`` is an error."""
        rows = [self.encode(t, add_eos=add_eos) for t in texts]
        if not rows:
            raise ValueError("CharVocabulary.encode_batch: got no texts")
        length = max(map(len, rows)) if length is None else length
        out = np.full((len(rows), length), self.PAD, np.int64)
        for i, r in enumerate(rows):
            if len(r) > length:
                raise ValueError(f"CharVocabulary.encode_batch: text {i} encodes to {len(r)} "
                                 f"ids, more than length={length}")
            out[i, :len(r)] = r
        return out

    def decode(self, ids: Iterable[int], stop_at_eos: bool = True) -> str:
        """Text of ``ids``: ``PAD`` is skipped, ``UNK`` becomes ``"?"``; stops at ``EOS``."""
        out = []
        for i in (int(i) for i in ids):
            if i == self.EOS and stop_at_eos:
                break
            if i == self.PAD or i == self.EOS:
                continue
            out.append(self.chars[i - 3] if 3 <= i < len(self) else "?")
        return "".join(out)

    def get_vocabulary(self) -> List[str]:
        """All tokens in id order (reserved tokens first)."""
        return list(self.special_tokens) + self.chars
