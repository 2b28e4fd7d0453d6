"""Tokenised sentences from the shipped text corpora, and their flat integer encoding.

A corpus is a list of sentences, each a list of lowercase tokens (``[["the", "king",
...], ...]``), the input gensim's ``Word2Vec`` takes too. For training it is encoded
once into two flat arrays over all tokens: ``ids`` (vocabulary index, ``int64 (T,)``)
and ``sentence`` (sentence number, ``int64 (T,)``), so windows and subsampling are
whole-array numpy operations.
"""
from __future__ import annotations

import re
from itertools import chain, repeat
from typing import Iterable, Sequence

import numpy as np

#: the English corpora ``nnlab.data`` ships (``load_text`` names, then ``load_sentiment``)
TEXT_CORPORA = ("shakespeare", "wikipedia", "lee", "fortunes")
SENTIMENT_CORPORA = ("tweets", "movie_reviews")
ALL_CORPORA = TEXT_CORPORA + SENTIMENT_CORPORA

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n\s*\n")


def tokenize(text: str) -> list[str]:
    """Lowercase word tokens (letters with inner apostrophes): ``"The King's men."`` ->
    ``["the", "king's", "men"]``. Numbers and punctuation are dropped."""
    return _TOKEN.findall(text.lower())


def split_sentences(text: str, max_length: int = 10000) -> list[list[str]]:
    """Split ``text`` at ``. ! ? ;`` and blank lines into token lists (empty ones
    dropped); sentences longer than ``max_length`` tokens are cut, as gensim does."""
    out = []
    for part in _SENTENCE_END.split(text):
        toks = tokenize(part)
        for i in range(0, len(toks), max_length):
            out.append(toks[i:i + max_length])
    return out


def load_corpus(names: str | Sequence[str] = ALL_CORPORA) -> list[list[str]]:
    """Tokenised sentences of one shipped corpus or several concatenated.

    Args:
        names: a name or names among ``shakespeare, wikipedia, lee, fortunes`` (from
            ``nnlab.data.load_text``) and ``tweets, movie_reviews`` (the texts of
            ``nnlab.data.load_sentiment``); the default is all six (about 2.4 M tokens).

    Returns:
        list of sentences, each a list of ``str`` tokens.
    """
    from nnlab.data import load_sentiment, load_text

    if isinstance(names, str):
        names = (names,)
    unknown = [n for n in names if n not in ALL_CORPORA]
    if unknown:
        raise ValueError(f"load_corpus: unknown corpus {unknown[0]!r}; expected one of "
                         f"{', '.join(ALL_CORPORA)}")
    sentences: list[list[str]] = []
    for name in names:
        docs = load_text(name, documents=True) if name in TEXT_CORPORA else load_sentiment(name)[0]
        for doc in docs:
            sentences.extend(split_sentences(doc))
    return sentences


def check_sentences(sentences: Iterable[Sequence[str]], where: str) -> list[Sequence[str]]:
    """The sentences as a list, or a ValueError naming ``where`` if there is no token
    at all or a sentence is a bare string (a common mistake: pass lists of tokens)."""
    if isinstance(sentences, str):
        raise TypeError(f"{where}: sentences must be a list of token lists, got a str "
                        "(use nnlab.embeddings.split_sentences(text))")
    sentences = list(sentences)
    for i, s in enumerate(sentences[:1000]):
        if isinstance(s, str):
            raise TypeError(f"{where}: sentence {i} is a str ({s[:30]!r}); each sentence must "
                            "be a list of tokens")
    if not any(len(s) for s in sentences):
        raise ValueError(f"{where}: the corpus is empty ({len(sentences)} sentences, 0 tokens); "
                         "pass a list of tokenised sentences")
    return sentences


def encode(sentences: Sequence[Sequence[str]], index: dict[str, int]
           ) -> tuple[np.ndarray, np.ndarray]:
    """Flat ``(ids, sentence)`` ``int64 (T,)`` arrays; tokens not in ``index`` are
    dropped (as gensim drops words below ``min_count`` before windowing)."""
    lengths = np.fromiter((len(s) for s in sentences), np.int64, len(sentences))
    flat = list(chain.from_iterable(sentences))
    ids = np.fromiter(map(index.get, flat, repeat(-1, len(flat))), np.int64, len(flat))
    sent = np.repeat(np.arange(len(sentences), dtype=np.int64), lengths)
    keep = ids >= 0
    return ids[keep], sent[keep]
