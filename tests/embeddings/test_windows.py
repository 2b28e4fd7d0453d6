import numpy as np

from nnlab.embeddings import cbow_windows, cooccurrence_matrix, skipgram_pairs
from nnlab.embeddings.windows import cbow_bags, permute_bags


def test_skipgram_pairs_stay_in_sentence_and_window():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 50, 400)
    sent = np.repeat(np.arange(40), 10)
    c, o = skipgram_pairs(np.arange(400), sent, 3, np.random.default_rng(1))
    assert np.all(sent[c] == sent[o]) and np.all(np.abs(c - o) <= 3) and np.all(c != o)
    # every token has at least its neighbours at distance 1 (the shrunk window is >= 1)
    assert len(c) >= 2 * (400 - 40)
    c1, o1 = skipgram_pairs(ids, sent, 1, np.random.default_rng(1))
    assert len(c1) == 2 * (400 - 40)


def test_skipgram_window_distances_are_shrunk_uniformly():
    n, w = 20000, 5
    c, o = skipgram_pairs(np.arange(n), np.zeros(n, np.int64), w, np.random.default_rng(0))
    dist = np.bincount(np.abs(c - o), minlength=w + 1)[1:] / (2 * n)
    # P(distance d is used) = P(b >= d) = (w - d + 1) / w
    np.testing.assert_allclose(dist, (w - np.arange(1, w + 1) + 1) / w, atol=0.02)


def test_cbow_windows_match_brute_force():
    sent = np.array([0, 0, 0, 1, 1, 2])
    ids = np.array([10, 11, 12, 13, 14, 15])
    centre, ctx, mask = cbow_windows(ids, sent, 2, np.random.default_rng(0))
    assert centre.tolist() == [10, 11, 12, 13, 14]                 # 15 is alone: dropped
    got = [sorted(c[m].tolist()) for c, m in zip(ctx, mask)]
    assert got[3] == [14] and got[4] == [13]
    for i, g in enumerate(got[:3]):
        assert set(g) <= {10, 11, 12} - {10 + i} and g


def test_cooccurrence_matrix_matches_a_loop():
    sents = [[0, 1, 2, 1], [2, 0]]
    ids = np.array([w for s in sents for w in s])
    sid = np.repeat(np.arange(2), [4, 2])
    x = cooccurrence_matrix(ids, sid, 2, 3).toarray()
    want = np.zeros((3, 3))
    for s in sents:
        for i in range(len(s)):
            for j in range(max(0, i - 2), i):
                want[s[i], s[j]] += 1 / (i - j)
                want[s[j], s[i]] += 1 / (i - j)
    np.testing.assert_allclose(x, want)


def test_cbow_bags_match_a_loop_over_tokens():
    rng = np.random.default_rng(0)
    for trial in range(50):
        n, window = int(rng.integers(0, 60)), int(rng.integers(1, 6))
        ids, sent = rng.integers(0, 1000, n), np.sort(rng.integers(0, 8, n))
        centre, words, sizes = cbow_bags(ids, sent, window, np.random.default_rng(trial))
        eff = np.random.default_rng(trial).integers(1, window + 1, size=n)  # the same draws
        want = [(ids[i], [ids[j] for j in range(i - eff[i], i + eff[i] + 1)
                          if 0 <= j < n and j != i and sent[j] == sent[i]]) for i in range(n)]
        want = [(c, ctx) for c, ctx in want if ctx]
        assert centre.tolist() == [c for c, _ in want]
        assert sizes.tolist() == [len(ctx) for _, ctx in want]
        assert words.tolist() == [w for _, ctx in want for w in ctx]
        c2, padded, mask = cbow_windows(ids, sent, window, np.random.default_rng(trial))
        assert c2.tolist() == centre.tolist() and padded[mask].tolist() == words.tolist()
        assert (padded[~mask] == 0).all() and mask.shape == (len(centre), 2 * window)


def test_permute_bags_moves_whole_bags():
    words, sizes = np.array([1, 2, 3, 4, 5, 6]), np.array([2, 1, 3])   # [1 2] [3] [4 5 6]
    w, s = permute_bags(words, sizes, np.array([2, 0, 1]))
    assert w.tolist() == [4, 5, 6, 1, 2, 3] and s.tolist() == [3, 2, 1]
