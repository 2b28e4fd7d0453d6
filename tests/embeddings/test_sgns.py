"""The batched SGNS kernels against a per-example loop written from the formulas, and
shared negatives (``share_negatives``) in Word2Vec."""
import numpy as np
import pytest
import torch

from nnlab.embeddings import Word2Vec
from nnlab.embeddings.sgns import train_cbow, train_skipgram

from .conftest import planted_corpus

V, D, K = 9, 4, 3


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def _reference(w_in, w_out, windows, centre, negs, lrs, batch):
    """word2vec's update one example at a time, all examples of a batch reading the
    vectors from before the batch (float64). ``windows[j]`` lists the input rows of
    example j (one for skip-gram; the context for CBOW, averaged); ``negs[j]`` its K
    negatives; a negative equal to the centre is skipped as gensim does."""
    w_in, w_out = w_in.astype(np.float64), w_out.astype(np.float64)
    for i, lo in enumerate(range(0, len(centre), batch)):
        in0, out0 = w_in.copy(), w_out.copy()
        for j in range(lo, min(lo + batch, len(centre))):
            h = in0[windows[j]].mean(0)
            err = np.zeros(D)
            for t, y in [(centre[j], 1.0)] + [(n, 0.0) for n in negs[j] if n != centre[j]]:
                g = lrs[i] * (y - _sig(out0[t] @ h))
                err += g * out0[t]
                w_out[t] += g * h
            for r in windows[j]:
                w_in[r] += err
    return w_in, w_out


def _tables(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(0, 0.5, (V, D)).astype(np.float32),
            rng.normal(0, 0.5, (V, D)).astype(np.float32))


@pytest.mark.parametrize("share, batch", [(1, 4), (2, 4), (3, 6), (4, 4)])
def test_skipgram_kernel_matches_per_example_loop(share, batch):
    rng = np.random.default_rng(1)
    n = 11                                     # an incomplete last batch and last group
    centre, context = rng.integers(0, V, n), rng.integers(0, V, n)
    negs = rng.integers(0, V, (-(-n // share), K))
    negs[0, 0] = centre[0]                     # a negative equal to its centre: skipped
    lrs = np.array([0.5, 0.3, 0.2])
    w_in, w_out = _tables()
    want_in, want_out = _reference(w_in, w_out, [[c] for c in context], centre,
                                   np.repeat(negs, share, 0)[:n], lrs, batch)
    t_in, t_out = torch.from_numpy(w_in.copy()), torch.from_numpy(w_out.copy())
    train_skipgram(t_in, t_out, torch.from_numpy(centre), torch.from_numpy(context),
                   torch.from_numpy(negs), lrs, batch, share)
    np.testing.assert_allclose(t_in.numpy(), want_in, atol=1e-5)
    np.testing.assert_allclose(t_out.numpy(), want_out, atol=1e-5)


@pytest.mark.parametrize("share, batch", [(1, 3), (2, 4)])
def test_cbow_kernel_matches_per_example_loop(share, batch):
    rng = np.random.default_rng(2)
    n, width = 7, 4
    centre = rng.integers(0, V, n)
    context = rng.integers(0, V, (n, width))
    mask = rng.random((n, width)) < 0.6
    mask[:, 0] = True                          # every centre has a context word
    negs = rng.integers(0, V, (-(-n // share), K))
    lrs = np.array([0.4, 0.3, 0.2])
    w_in, w_out = _tables(3)
    windows = [list(context[j][mask[j]]) for j in range(n)]
    want_in, want_out = _reference(w_in, w_out, windows, centre,
                                   np.repeat(negs, share, 0)[:n], lrs, batch)
    t_in, t_out = torch.from_numpy(w_in.copy()), torch.from_numpy(w_out.copy())
    train_cbow(t_in, t_out, torch.from_numpy(centre), context[mask], mask.sum(1),
               torch.from_numpy(negs), lrs, batch, share)
    np.testing.assert_allclose(t_in.numpy(), want_in, atol=1e-5)
    np.testing.assert_allclose(t_out.numpy(), want_out, atol=1e-5)


@pytest.mark.parametrize("sg", [1, 0])
def test_every_sharing_finds_the_planted_analogy(sg):
    s = planted_corpus(1000)
    for share in (1, 16):
        m = Word2Vec(s, vector_size=20, min_count=1, sg=sg, epochs=5, sample=0, seed=0,
                     share_negatives=share)
        top = m.wv.most_similar(positive=["king", "woman"], negative=["man"], topn=3)
        assert top[0][0] == "queen", (share, top)


def test_share_negatives_is_saved(tmp_path):
    m = Word2Vec(planted_corpus(50), vector_size=4, min_count=1, epochs=1, share_negatives=4)
    m.save(tmp_path / "m.safetensors")
    assert Word2Vec.load(tmp_path / "m.safetensors").share_negatives == 4
    assert Word2Vec().share_negatives == 16
    assert Word2Vec(batch_size=100).share_negatives == 4     # the largest divisor <= 16


@pytest.mark.parametrize("kwargs, match", [
    (dict(share_negatives=0), "Word2Vec: share_negatives must be an integer >= 1, got 0"),
    (dict(batch_size=100, share_negatives=16),
     "Word2Vec: batch_size must be a multiple of share_negatives, got batch_size=100, "
     "share_negatives=16"),
])
def test_bad_share_negatives(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Word2Vec([["a", "b"]], min_count=1, **kwargs)


def test_spread_deals_each_batch_out_and_keeps_it():
    from nnlab.embeddings.sgns import spread

    order = spread(11, 4, 2)                    # batches [0..3] [4..7] [8..10]
    assert order.tolist() == [0, 2, 1, 3, 4, 6, 5, 7, 8, 10, 9]
    big = spread(1000, 256, 16)
    assert sorted(big.tolist()) == list(range(1000))
    assert (big // 256 == np.arange(1000) // 256).all()           # batches stay whole
    assert (np.abs(np.diff(big[:16])) == 16).all()                 # a group: 16 apart
