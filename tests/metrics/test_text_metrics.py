"""BLEU against NLTK's corpus_bleu (dev-only oracle), perplexity and bits per character."""
import math
import random

import numpy as np
import pytest
import torch

import nnlab
from nnlab.metrics import BitsPerCharacter, Perplexity, bleu, corpus_bleu, sentence_bleu

WORDS = "the a cat dog sat on mat rug and ran fast slow red blue".split()


def _corpus(seed, n=40):
    rng = random.Random(seed)
    refs, hyps = [], []
    for _ in range(n):
        base = [rng.choice(WORDS) for _ in range(rng.randint(1, 14))]
        refs.append([[w if rng.random() < 0.8 else rng.choice(WORDS) for w in base]
                     for _ in range(rng.randint(1, 3))])
        hyp = [w if rng.random() < 0.7 else rng.choice(WORDS) for w in base]
        hyps.append(hyp[:rng.randint(0, len(hyp))] if rng.random() < 0.2 else hyp)
    return refs, hyps


@pytest.mark.parametrize("smoothing", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("seed", range(6))
def test_corpus_bleu_equals_nltk(seed, smoothing):
    nltk_bleu = pytest.importorskip("nltk.translate.bleu_score")
    refs, hyps = _corpus(seed)
    fn = getattr(nltk_bleu.SmoothingFunction(), f"method{smoothing}")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = nltk_bleu.corpus_bleu(refs, hyps, smoothing_function=fn)
        for w in [(0.5, 0.5), (1 / 3, 1 / 3, 1 / 3)]:
            assert corpus_bleu(refs, hyps, weights=w, smoothing=smoothing) == pytest.approx(
                nltk_bleu.corpus_bleu(refs, hyps, weights=w, smoothing_function=fn), abs=1e-9)
        for r, h in zip(refs[:10], hyps[:10]):
            assert sentence_bleu(r, h, smoothing=smoothing) == pytest.approx(
                nltk_bleu.sentence_bleu(r, h, smoothing_function=fn), abs=1e-9)
    assert corpus_bleu(refs, hyps, smoothing=smoothing) == pytest.approx(expected, abs=1e-9)


def test_bleu_known_values():
    assert sentence_bleu([list("abcdef")], list("abcdef")) == 1.0
    assert sentence_bleu([["x", "y"]], ["a", "b"]) == 0.0
    # Brevity penalty: 4 of 8 reference words, all n-grams match -> exp(1 - 8/4)
    assert sentence_bleu([list("abcdefgh")], list("abcd")) == pytest.approx(math.exp(-1))
    # bare single references are accepted by bleu()
    assert bleu([list("abcd"), list("wxyz")], [list("abcd"), list("wxyz")]) == 1.0


def test_bleu_bad_input():
    with pytest.raises(ValueError, match="2 hypotheses but 1 reference"):
        corpus_bleu([[["a"]]], [["a"], ["b"]])
    with pytest.raises(TypeError, match="sentence 0 is a string"):
        corpus_bleu([["a cat"]], ["a cat"])
    with pytest.raises(ValueError, match="smoothing must be one of"):
        corpus_bleu([[["a"]]], [["a"]], smoothing=9)
    with pytest.raises(ValueError, match="hypothesis 0 has no reference"):
        corpus_bleu([[]], [["a"]])


def test_perplexity_and_bpc_match_cross_entropy():
    torch.manual_seed(0)
    logits = torch.randn(4, 7, 11)
    y = torch.randint(0, 11, (4, 7))
    ce = torch.nn.functional.cross_entropy(logits.reshape(-1, 11), y.reshape(-1)).item()
    for from_logits in (True, None):
        p = Perplexity(from_logits=from_logits)
        p.update_state(y[:2], logits[:2])
        p.update_state(y[2:], logits[2:])
        assert p.result() == pytest.approx(math.exp(ce), rel=1e-6)
    b = BitsPerCharacter()
    b.update_state(y, logits.softmax(-1))  # probabilities detected
    assert b.result() == pytest.approx(ce / math.log(2), rel=1e-5)
    m = Perplexity(from_logits=True, mask_token_id=0)
    m.update_state(y, logits)
    keep = y.reshape(-1) != 0
    ce_kept = torch.nn.functional.cross_entropy(logits.reshape(-1, 11)[keep], y.reshape(-1)[keep])
    assert m.result() == pytest.approx(math.exp(ce_kept.item()), rel=1e-6)


def test_perplexity_usable_in_compile():
    from nnlab.layers import Dense, Embedding
    model = nnlab.Sequential([Embedding(5, 8), Dense(5)])
    model.compile("adam", nnlab.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["perplexity", "bits_per_character"])
    x = np.random.default_rng(0).integers(0, 5, (32, 6))
    logs = model.evaluate(x, x, verbose=0, return_dict=True)
    assert math.log2(logs["perplexity"]) == pytest.approx(logs["bits_per_character"], rel=1e-5)
    assert logs["loss"] == pytest.approx(math.log(logs["perplexity"]), rel=1e-4)
