import numpy as np
import pytest

from nnlab.data import load_analogies
from nnlab.embeddings import KeyedVectors, read_analogies

from .conftest import real


@pytest.fixture
def kv():
    rng = np.random.default_rng(0)
    words = ["king", "queen", "man", "woman", "kingdom", "apple", "banana", "kings"]
    return KeyedVectors(words, rng.normal(size=(8, 6)).astype(np.float32), np.arange(8, 0, -1))


def brute_most_similar(kv, pos, neg, topn):
    unit = {w: kv[w] / np.linalg.norm(kv[w]) for w in kv.index_to_key}
    q = sum(unit[w] for w in pos) - sum((unit[w] for w in neg), np.zeros(6))
    q /= np.linalg.norm(q)
    scores = [(w, float(unit[w] @ q)) for w in kv.index_to_key if w not in pos + neg]
    return sorted(scores, key=lambda t: -t[1])[:topn]


def test_most_similar_matches_a_loop(kv):
    got = kv.most_similar(positive=["king", "woman"], negative=["man"], topn=3)
    want = brute_most_similar(kv, ["king", "woman"], ["man"], 3)
    assert [w for w, _ in got] == [w for w, _ in want]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-5)
    assert kv.most_similar("king", topn=2) == kv.most_similar(positive=["king"], topn=2)


def test_similarity_is_cosine(kv):
    a, b = kv["king"], kv["apple"]
    assert kv.similarity("king", "apple") == pytest.approx(a @ b / np.linalg.norm(a) /
                                                           np.linalg.norm(b), rel=1e-5)


def test_unknown_word_lists_close_spellings(kv):
    with pytest.raises(KeyError, match="Key 'kingg' not present in vocabulary \\(8 words\\); "
                                       "close spellings in the vocabulary: king, kings"):
        kv["kingg"]
    with pytest.raises(KeyError, match="no close spellings"):
        kv.most_similar(positive=["zzzzzz"])


def test_matches_gensim_most_similar_cosmul_and_analogies(kv, tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    g = gensim_models.KeyedVectors(6)
    g.add_vectors(kv.index_to_key, kv.vectors)
    q = dict(positive=["king", "woman"], negative=["man"], topn=4)
    for ours, theirs in [(kv.most_similar, g.most_similar),
                         (kv.most_similar_cosmul, g.most_similar_cosmul)]:
        a, b = ours(**q), theirs(**q)
        assert [w for w, _ in a] == [w for w, _ in b]
        np.testing.assert_allclose([s for _, s in a], [s for _, s in b], rtol=1e-4)
    path = tmp_path / "q.txt"
    path.write_text(": royals\nman woman king queen\nking queen man woman\nman king woman queen\n"
                    ": fruit\napple banana king kingdom\nmissing word here too\n")
    score, sections = kv.evaluate_word_analogies(str(path))
    g_score, g_sections = g.evaluate_word_analogies(str(path))
    assert score == pytest.approx(g_score)
    for s, t in zip(sections, g_sections):
        assert (s["section"], len(s["correct"]), len(s["incorrect"])) == \
               (t["section"], len(t["correct"]), len(t["incorrect"]))
    assert sections[-1]["skipped"] == 1 and sections[-1]["coverage"] == pytest.approx(4 / 5)


def test_google_set_coverage_is_reported(kv):
    questions = real(load_analogies)
    score, sections = kv.evaluate_word_analogies(questions[:200])
    assert sections[-1]["coverage"] == 0.0 and score == 0.0


def test_malformed_analogy_file_names_the_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text(": family\nboy girl brother sister\nboy girl brother\n")
    with pytest.raises(ValueError, match="bad.txt, line 3: expected 4 words 'a b c d' or a "
                                         "': section' header, got 3 words: 'boy girl brother'"):
        read_analogies(bad)
    bad.write_text("boy girl brother sister\n")
    with pytest.raises(ValueError, match="line 1: question before any ': section' header"):
        read_analogies(bad)


def test_save_load_reproduces_most_similar_exactly(kv, tmp_path):
    kv.save(tmp_path / "kv.safetensors")
    back = KeyedVectors.load(tmp_path / "kv.safetensors")
    q = dict(positive=["king", "woman"], negative=["man"])
    assert back.most_similar(**q) == kv.most_similar(**q)
    assert back.counts.tolist() == kv.counts.tolist()
