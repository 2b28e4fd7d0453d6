"""Slow: nnlab's skip-gram and gensim's on the same real corpus agree (pytest -m slow)."""
import numpy as np
import pytest
from scipy.stats import spearmanr

from nnlab.embeddings import Word2Vec, load_corpus

from .conftest import real


@pytest.mark.slow
def test_skipgram_agrees_with_gensim_on_wikipedia():
    gensim_models = pytest.importorskip("gensim.models")
    sentences = real(load_corpus, "wikipedia")
    kw = dict(vector_size=50, window=5, min_count=5, sg=1, negative=5, epochs=3, seed=0, workers=2)
    ours = Word2Vec(sentences, **kw)
    theirs = gensim_models.Word2Vec(sentences, hs=0, **kw)
    assert set(ours.wv.index_to_key) == set(theirs.wv.index_to_key)
    rng = np.random.default_rng(0)
    pool = theirs.wv.index_to_key[:2000]
    pairs = [(pool[a], pool[b]) for a, b in rng.integers(0, len(pool), (1000, 2)) if a != b]
    rho = spearmanr([ours.wv.similarity(a, b) for a, b in pairs],
                    [theirs.wv.similarity(a, b) for a, b in pairs]).statistic
    assert rho > 0.8, rho
    ours_acc, _ = ours.wv.evaluate_word_analogies()
    theirs_acc, _ = theirs.wv.evaluate_word_analogies(_questions_file())
    assert ours_acc > theirs_acc - 0.02, (ours_acc, theirs_acc)


def _questions_file():
    import os
    import tempfile

    from nnlab.data import load_analogies

    path = os.path.join(tempfile.mkdtemp(), "questions-words.txt")
    with open(path, "w") as f:
        section = None
        for a, b, c, d, s in load_analogies():
            if s != section:
                f.write(f": {s}\n")
                section = s
            f.write(f"{a} {b} {c} {d}\n")
    return path
