"""Sentiment classification (many-to-one): tweets and movie-review snippets.

``Embedding -> LSTM | GRU | Bidirectional -> Dense(classes)`` on word ids, against a
scikit-learn TF-IDF + logistic-regression baseline on the same split.

Word ids come from a small tokenizer here (lower-cased words, ``@user``/URL tokens
folded) with 0 = padding, 1 = out of vocabulary. Sequences are *pre*-padded (Keras'
``pad_sequences`` default); the model's ``Embedding(mask_zero=True)`` masks the padding,
so neither an RNN nor either direction of a ``Bidirectional`` one reads it (the
recurrent layers run packed sequences: the padded steps change no state).
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

_TOKEN = re.compile(r"@\w+|https?://\S+|[a-z0-9']+|[!?]")


def tokenize(text: str) -> list:
    """Lower-cased word tokens; mentions -> ``@user``, links -> ``<url>``, keeps ! and ?."""
    out = []
    for tok in _TOKEN.findall(text.lower()):
        out.append("@user" if tok[0] == "@" else "<url>" if tok.startswith("http") else tok)
    return out


class WordIndex:
    """Words -> ids from training texts: the ``max_tokens - 2`` most frequent words get ids
    2.. (ties broken alphabetically); 0 is padding, 1 out-of-vocabulary."""

    def __init__(self, texts: Sequence[str], max_tokens: int = 20000):
        if not texts:
            raise ValueError("WordIndex: no texts to build the vocabulary from")
        if max_tokens < 3:
            raise ValueError(f"WordIndex: max_tokens must be >= 3, got {max_tokens}")
        counts = Counter(w for t in texts for w in tokenize(t))
        words = sorted(counts, key=lambda w: (-counts[w], w))[:max_tokens - 2]
        self.index = {w: i + 2 for i, w in enumerate(words)}

    def __len__(self) -> int:
        return len(self.index) + 2

    def encode(self, texts: Sequence[str], length: int = 40) -> np.ndarray:
        """``(len(texts), length)`` int64 ids, pre-padded and pre-truncated (Keras defaults)."""
        out = np.zeros((len(texts), length), np.int64)
        for i, text in enumerate(texts):
            ids = [self.index.get(w, 1) for w in tokenize(text)][-length:]
            if ids:
                out[i, -len(ids):] = ids
        return out


def sentiment_model(vocab_size: int, num_classes: int, cell: str = "lstm",
                    bidirectional: bool = False, embedding_dim: int = 64, units: int = 64,
                    dropout: float = 0.2):
    """A Sequential model: ``(batch, T)`` ids (0 = padding, masked) ->
    ``(batch, num_classes)`` logits."""
    import nnlab
    from nnlab.layers import GRU, LSTM, Bidirectional, Dense, Dropout, Embedding
    cells = {"lstm": LSTM, "gru": GRU}
    if cell not in cells:
        raise ValueError(f"sentiment_model: cell must be 'lstm' or 'gru', got {cell!r}")
    rnn = cells[cell](units)
    return nnlab.Sequential([Embedding(vocab_size, embedding_dim, mask_zero=True),
                             Bidirectional(rnn) if bidirectional else rnn,
                             Dropout(dropout), Dense(num_classes)])


def split(texts: Sequence[str], labels: Any, test_fraction: float = 0.2, seed: int = 0):
    """Stratified, seeded ``(train_texts, train_labels), (test_texts, test_labels)``."""
    from sklearn.model_selection import train_test_split
    a, b, ya, yb = train_test_split(list(texts), np.asarray(labels), test_size=test_fraction,
                                    random_state=seed, stratify=np.asarray(labels))
    return (a, ya), (b, yb)


def tfidf_baseline(train_texts: Sequence[str], train_labels: Any, test_texts: Sequence[str],
                   test_labels: Any) -> float:
    """Test accuracy of scikit-learn's TF-IDF (word 1-2 grams) + logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    vec = TfidfVectorizer(tokenizer=tokenize, token_pattern=None, ngram_range=(1, 2),
                          min_df=2, sublinear_tf=True)
    clf = LogisticRegression(max_iter=1000, C=2.0)
    clf.fit(vec.fit_transform(train_texts), train_labels)
    return float(np.mean(clf.predict(vec.transform(test_texts)) == np.asarray(test_labels)))


def majority_accuracy(train_labels: Any, test_labels: Any) -> float:
    """Accuracy of always predicting the training set's most frequent class."""
    return float(np.mean(np.asarray(test_labels) == np.bincount(train_labels).argmax()))
