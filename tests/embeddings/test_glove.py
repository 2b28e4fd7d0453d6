import numpy as np
import pytest

from nnlab.embeddings import GloVe



@pytest.fixture(scope="module")
def glove(planted):
    return GloVe(planted, vector_size=20, window=5, min_count=1, epochs=60, batch_size=64, seed=0)


def test_planted_analogy_king_man_woman_is_queen(glove):
    top = glove.wv.most_similar(positive=["king", "woman"], negative=["man"], topn=3)
    assert top[0][0] == "queen", top


def test_loss_falls_and_vectors_are_w_plus_w_tilde(glove):
    assert glove.losses[-1] < 0.2 * glove.losses[0]
    want = (glove.w.weight + glove.w_tilde.weight).detach().numpy()
    np.testing.assert_allclose(glove.wv.vectors, want)
    x = glove.cooccurrence
    assert abs(x - x.T).max() < 1e-9 and x.nnz > 0


def test_fit_tracks_log_counts(glove):
    """The model's w.w~ + b + b~ follows log X on the heavily weighted entries."""
    x = glove.cooccurrence.tocoo()
    pred = ((glove.w.weight[x.row] * glove.w_tilde.weight[x.col]).sum(1) + glove.b.weight[x.row, 0]
            + glove.b_tilde.weight[x.col, 0]).detach().numpy()
    big = x.data > 5
    r = np.corrcoef(pred[big], np.log(x.data[big]))[0, 1]
    assert r > 0.6, r


@pytest.mark.parametrize("kwargs, match", [
    (dict(vector_size=0), "GloVe: vector_size must be an integer >= 1, got 0"),
    (dict(x_max=0), "x_max, alpha and learning_rate must be > 0"),
    (dict(min_count=9), "GloVe: min_count=9 leaves no words"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GloVe([["a", "b", "a"]], **{"min_count": 1, **kwargs})


def test_empty_corpus():
    with pytest.raises(ValueError, match="GloVe: the corpus is empty"):
        GloVe([[]], min_count=1)
