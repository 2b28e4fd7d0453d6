import numpy as np
import pytest

from nnlab.embeddings import DEFINITIONAL_PAIRS, EQUALIZE_PAIRS, OCCUPATIONS, Debiaser, KeyedVectors


@pytest.fixture
def kv():
    """Random vectors with a planted gender axis: female words +g, male words -g."""
    rng = np.random.default_rng(0)
    words = sorted({w for p in DEFINITIONAL_PAIRS + EQUALIZE_PAIRS for w in p} | set(OCCUPATIONS))
    d = 50
    g = np.zeros(d)
    g[0] = 1.0
    vec = rng.normal(size=(len(words), d))
    female = {a for a, _ in DEFINITIONAL_PAIRS + EQUALIZE_PAIRS}
    male = {b for _, b in DEFINITIONAL_PAIRS + EQUALIZE_PAIRS}
    for i, w in enumerate(words):
        vec[i] += 4 * g * ((w in female) - (w in male))
    vec[words.index("nurse")] += 2 * g
    vec[words.index("engineer")] -= 2 * g
    return KeyedVectors(words, vec.astype(np.float32))


def test_direction_recovers_the_planted_axis(kv):
    deb = Debiaser(kv)
    assert abs(deb.direction[0]) > 0.9 and deb.direction[0] > 0   # oriented toward "woman"
    report = dict(deb.report())
    assert report["nurse"] > 0.2 and report["engineer"] < -0.2


def test_neutralize_removes_the_projection(kv):
    deb = Debiaser(kv)
    deb.neutralize(OCCUPATIONS)
    for w, p in deb.projection(OCCUPATIONS).items():
        assert abs(p) < 1e-6, (w, p)
        assert abs(float(deb.wv[w] @ deb.direction)) < 1e-6
        assert np.linalg.norm(deb.wv[w]) == pytest.approx(1, abs=1e-6)
    assert abs(kv.similarity("nurse", "woman")) > 0   # the caller's vectors are untouched


def test_equalize_makes_pairs_equidistant_from_every_neutral_word(kv):
    deb = Debiaser(kv)
    deb.neutralize(OCCUPATIONS)
    deb.equalize(EQUALIZE_PAIRS)
    unit = deb._unit
    for a, b in EQUALIZE_PAIRS:
        ea, eb = unit[kv.get_index(a)], unit[kv.get_index(b)]
        for w in OCCUPATIONS:
            n = unit[kv.get_index(w)]
            assert abs(np.linalg.norm(ea - n) - np.linalg.norm(eb - n)) < 1e-6
            assert abs(deb.wv.similarity(a, w) - deb.wv.similarity(b, w)) < 1e-6
        assert np.linalg.norm(ea) == pytest.approx(1, abs=1e-9)


def test_too_few_pairs_is_an_error():
    kv = KeyedVectors(["he", "she", "cat"], np.eye(3, dtype=np.float32))
    with pytest.raises(ValueError, match="need at least 2 definitional pairs in the vocabulary, "
                                         "got 1; missing words: .*woman"):
        Debiaser(kv)
