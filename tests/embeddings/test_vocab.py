import numpy as np
import pytest
import torch
from scipy import stats

from nnlab.embeddings import NegativeSampler, Vocab


def test_vocab_min_count_and_order():
    v = Vocab.build([["b", "a", "b", "c"], ["a", "b", "d", "d"]], min_count=2)
    assert v.words == ["b", "a", "d"] and v.counts.tolist() == [3, 2, 2]
    assert v.index["d"] == 2


def test_min_count_leaving_no_words():
    with pytest.raises(ValueError, match="min_count=10 leaves no words.*occurs 2 times; lower "
                                         "min_count to at most 2"):
        Vocab.build([["a", "a", "b"]], min_count=10, where="Word2Vec")
    with pytest.raises(ValueError, match="min_count must be an integer >= 1, got 0"):
        Vocab.build([["a"]], min_count=0)


def test_keep_probability_formula():
    v = Vocab(["the", "cat", "rare"], [10000, 100, 1])
    f = np.array([10000, 100, 1]) / 10101
    t = 1e-3
    want = np.minimum(1, (np.sqrt(f / t) + 1) * t / f)
    np.testing.assert_allclose(v.keep_probability(t), want)
    assert v.keep_probability(t)[2] == 1.0 and v.keep_probability(0).tolist() == [1, 1, 1]


def test_subsampling_keeps_each_word_with_the_papers_probability():
    counts = np.array([200000, 50000, 5000, 500])
    v = Vocab(list("abcd"), counts)
    ids = np.repeat(np.arange(4), counts)
    keep = v.subsample(ids, 1e-3, np.random.default_rng(0))
    kept = np.bincount(ids[keep], minlength=4)
    p = v.keep_probability(1e-3)
    assert p[0] < 0.2 and p[3] == 1.0
    z = (kept - counts * p) / np.sqrt(np.maximum(counts * p * (1 - p), 1e-12))
    assert np.all(np.abs(z[p < 1]) < 4), z
    assert kept[3] == counts[3]


def test_negative_samples_follow_unigram_to_the_three_quarters():
    rng = np.random.default_rng(0)
    counts = rng.zipf(1.3, size=500).clip(max=10 ** 6)
    sampler = NegativeSampler(counts)
    draws = sampler.sample((10 ** 6,), torch.Generator().manual_seed(0)).numpy()
    observed = np.bincount(draws, minlength=500)
    expected = counts ** 0.75 / (counts ** 0.75).sum() * 10 ** 6
    chi2, p = stats.chisquare(observed, expected)
    assert p > 0.001, (chi2, p)
    # and it is not plain unigram: that hypothesis is rejected
    uni = counts / counts.sum() * 10 ** 6
    assert stats.chisquare(observed, uni)[1] < 1e-6
