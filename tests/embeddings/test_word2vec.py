import numpy as np
import pytest

from nnlab.embeddings import Word2Vec

from .conftest import planted_corpus


@pytest.mark.parametrize("mode", ["skipgram", "cbow"])
def test_planted_analogy_king_man_woman_is_queen(mode, request):
    model = request.getfixturevalue(mode)
    top = model.wv.most_similar(positive=["king", "woman"], negative=["man"], topn=3)
    assert top[0][0] == "queen", top
    assert model.wv.similarity("king", "queen") > model.wv.similarity("king", "street")


def test_shapes_and_sparse_embeddings(skipgram):
    assert skipgram.wv["king"].shape == (20,) and skipgram.wv[["king", "man"]].shape == (2, 20)
    assert skipgram.in_embed.sparse and skipgram.out_embed.sparse
    assert skipgram.wv.vectors.shape == (len(skipgram.vocab), 20)
    assert np.isfinite(skipgram.words_per_second)


def test_same_seed_same_vectors_and_untouched_rows_stay():
    s = planted_corpus(200)
    a = Word2Vec(s, vector_size=8, min_count=1, sg=1, epochs=1, seed=3)
    b = Word2Vec(s, vector_size=8, min_count=1, sg=1, epochs=1, seed=3)
    np.testing.assert_array_equal(a.wv.vectors, b.wv.vectors)
    # a word of the vocabulary absent from the training sentences keeps its initial vector
    m = Word2Vec(vector_size=8, min_count=1, sg=0, seed=0)
    m.build_vocab(s + [["zebra"]])
    before = m.wv["zebra"].copy()
    m.train(s, epochs=1)
    np.testing.assert_array_equal(m.wv["zebra"], before)
    # (its output row may move: it can be drawn as a negative sample)


def test_compute_loss_decreases():
    s = planted_corpus(300)
    m = Word2Vec(vector_size=10, min_count=1, sg=1, epochs=1, seed=0, compute_loss=True)
    m.build_vocab(s)
    first = m.train(s, epochs=1)
    later = m.train(s, epochs=1)
    assert 0 < later < first


def test_save_load_reproduces_most_similar_exactly(skipgram, tmp_path):
    path = tmp_path / "w2v.safetensors"
    skipgram.save(path)
    assert (tmp_path / "w2v.vocab.json").exists()
    loaded = Word2Vec.load(path)
    q = dict(positive=["king", "woman"], negative=["man"], topn=10)
    assert loaded.wv.most_similar(**q) == skipgram.wv.most_similar(**q)
    assert loaded.sg == 1 and loaded.vector_size == 20
    np.testing.assert_array_equal(loaded.out_embed.weight.detach(), skipgram.out_embed.weight.detach())


@pytest.mark.parametrize("kwargs, match", [
    (dict(vector_size=0), "Word2Vec: vector_size must be an integer >= 1, got 0"),
    (dict(vector_size=2.5), "vector_size must be an integer >= 1, got 2.5"),
    (dict(window=0), "window must be an integer >= 1"),
    (dict(negative=0), "negative must be an integer >= 1"),
    (dict(sg=2), "sg must be 1 \\(skip-gram\\) or 0 \\(CBOW\\), got 2"),
    (dict(alpha=0), "need alpha > 0"),
    (dict(min_count=0), "min_count must be an integer >= 1, got 0"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Word2Vec([["a", "b"]], **{"min_count": 1, **kwargs})


def test_empty_corpus_and_min_count_too_high():
    with pytest.raises(ValueError, match="Word2Vec: the corpus is empty"):
        Word2Vec([], min_count=1)
    with pytest.raises(ValueError, match="Word2Vec: min_count=5 leaves no words: the most "
                                         "frequent of the 2 distinct words occurs 2 times"):
        Word2Vec([["a", "b", "a"], ["b"]], min_count=5)
    with pytest.raises(RuntimeError, match="call build_vocab"):
        Word2Vec().train([["a"]])
