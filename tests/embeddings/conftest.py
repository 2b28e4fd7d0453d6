"""A planted corpus whose analogy answer is known by construction, and models trained on it.

Each sentence holds one of king/queen/man/woman with three words from its "rank" group
(royal: crown, throne, ...; common: street, work, ...), three from its "gender" group
(he, his, ...; she, her, ...) and two fillers. So king - man + woman lands on queen.
"""
from __future__ import annotations

import numpy as np
import pytest

from nnlab.data import DatasetNotAvailable

ROYAL = ["crown", "throne", "palace", "royal", "reign", "court", "castle"]
COMMON = ["street", "work", "house", "town", "job", "market", "field"]
MALE = ["he", "his", "him", "father", "son", "brother", "uncle"]
FEMALE = ["she", "her", "hers", "mother", "daughter", "sister", "aunt"]
FILLER = ["the", "a", "and", "of", "to", "in", "was", "is"]
GROUPS = {"king": (ROYAL, MALE), "queen": (ROYAL, FEMALE), "man": (COMMON, MALE),
          "woman": (COMMON, FEMALE)}


def planted_corpus(n: int = 2000, seed: int = 0) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        word = list(GROUPS)[rng.integers(4)]
        rank, gender = GROUPS[word]
        ctx = [str(w) for w in (list(rng.choice(rank, 3)) + list(rng.choice(gender, 3))
                                + list(rng.choice(FILLER, 2)))]
        rng.shuffle(ctx)
        ctx.insert(int(rng.integers(len(ctx) + 1)), word)
        out.append(ctx)
    return out


@pytest.fixture(scope="session")
def planted():
    return planted_corpus()


@pytest.fixture(scope="session")
def skipgram(planted):
    from nnlab.embeddings import Word2Vec
    return Word2Vec(planted, vector_size=20, window=5, min_count=1, sg=1, epochs=5, sample=0,
                    seed=0)


@pytest.fixture(scope="session")
def cbow(planted):
    from nnlab.embeddings import Word2Vec
    return Word2Vec(planted, vector_size=20, window=5, min_count=1, sg=0, epochs=5, sample=0,
                    seed=0)


def real(loader, *args):
    """Call a ``nnlab.data`` loader, skipping the test if its source is not on this machine."""
    try:
        return loader(*args)
    except DatasetNotAvailable as e:
        pytest.skip(str(e).splitlines()[0])
