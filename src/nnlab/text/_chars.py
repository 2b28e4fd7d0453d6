"""A small character vocabulary with PAD, UNK, BOS and EOS (private to nnlab.text's models).

Ids: 0 = PAD (``"<pad>"``), 1 = UNK, 2 = BOS (start of a decoded sequence), 3 = EOS,
then the characters in sorted order. Encoding is a numpy lookup over code points
(no per-character Python for ASCII/BMP text).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

PAD, UNK, BOS, EOS = 0, 1, 2, 3
SPECIALS = ("<pad>", "<unk>", "<bos>", "<eos>")


class CharVocab:
    """Characters <-> ids. ``CharVocab.from_texts(texts)`` keeps every character seen.

    Args:
        chars: the characters (specials are added in front; duplicates are an error).
    """

    def __init__(self, chars: Iterable[str]):
        chars = list(chars)
        if len(set(chars)) != len(chars):
            dup = sorted({c for c in chars if chars.count(c) > 1})
            raise ValueError(f"CharVocab: duplicate characters {dup!r}")
        if any(len(c) != 1 for c in chars):
            raise ValueError("CharVocab: every entry must be one character")
        self.chars = chars
        self.itos = list(SPECIALS) + chars
        self._lookup = np.full(max((ord(c) for c in chars), default=0) + 1, UNK, np.int64)
        for i, c in enumerate(chars):
            self._lookup[ord(c)] = i + len(SPECIALS)

    @classmethod
    def from_texts(cls, texts: str | Iterable[str]) -> CharVocab:
        """Every distinct character of ``texts`` (one string or several), sorted."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        return cls(sorted(set().union(*map(set, texts))))

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, text: str, eos: bool = False, bos: bool = False) -> np.ndarray:
        """``(len(text) [+ bos + eos],)`` int64 ids; unseen characters map to UNK."""
        codes = np.frombuffer(text.encode("utf-32-le"), np.uint32).astype(np.int64)
        ids = np.full(codes.shape, UNK, np.int64)
        known = codes < len(self._lookup)
        ids[known] = self._lookup[codes[known]]
        return np.concatenate([[BOS]] * bos + [ids] + [[EOS]] * eos).astype(np.int64)

    def encode_batch(self, texts: Sequence[str], length: int | None = None, eos: bool = False,
                     bos: bool = False) -> np.ndarray:
        """``(len(texts), length)`` ids, right-padded with PAD (length: the longest)."""
        rows = [self.encode(t, eos=eos, bos=bos) for t in texts]
        length = length or max(len(r) for r in rows)
        out = np.full((len(rows), length), PAD, np.int64)
        for i, r in enumerate(rows):
            if len(r) > length:
                raise ValueError(f"CharVocab.encode_batch: text {i} encodes to {len(r)} ids, "
                                 f"more than length={length}")
            out[i, :len(r)] = r
        return out

    def decode(self, ids: Iterable[int], stop_at_eos: bool = True) -> str:
        """Characters of ``ids``; PAD/BOS dropped, UNK shown as '?', stops at EOS."""
        out = []
        for i in ids:
            i = int(i)
            if i == EOS and stop_at_eos:
                break
            if i >= len(SPECIALS):
                out.append(self.itos[i])
            elif i == UNK:
                out.append("?")
        return "".join(out)
