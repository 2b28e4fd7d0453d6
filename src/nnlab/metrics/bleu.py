"""BLEU (corpus and sentence level), the machine-translation metric.

BLEU (Papineni et al. 2002), for hypotheses ``h`` and reference lists ``R``::

    p_n  = sum_h sum_{g in ngrams_n(h)} min(count_h(g), max_{r in R} count_r(g))
           / sum_h max(1, |ngrams_n(h)|)                     (modified precision)
    BP   = 1 if c > r else exp(1 - r / c)  (c: hypothesis length, r: closest reference length)
    BLEU = BP * exp(sum_n w_n log p_n)

Written here by hand (no library installed at run time offers it; NLTK is only the
tests' oracle). The arithmetic follows NLTK's ``corpus_bleu`` step by step, including
its smoothing methods 0-4 of Chen & Cherry (2014), so the figures agree to 1e-9.
Tokens are any hashable items (words, characters, ids).
"""
from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Hashable, Sequence
from fractions import Fraction
from typing import Any


SMOOTHING_METHODS = (0, 1, 2, 3, 4)


def _ngrams(tokens: Sequence[Hashable], n: int) -> Counter:
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def _modified_precision(references: Sequence[Sequence], hypothesis: Sequence, n: int):
    """(clipped matches, max(1, number of hypothesis n-grams)) for one sentence."""
    counts = _ngrams(hypothesis, n)
    max_counts: dict = {}
    for reference in references:
        ref_counts = _ngrams(reference, n)
        for gram in counts:
            max_counts[gram] = max(max_counts.get(gram, 0), ref_counts[gram])
    matches = sum(min(c, max_counts[g]) for g, c in counts.items())
    return matches, max(1, sum(counts.values()))


def _smooth(method: int, p_n: list, hyp_len: int, epsilon: float, k: float) -> list:
    """Chen & Cherry (2014) smoothing of the precisions (numerator, denominator) pairs."""
    out: list = []
    inc = 1
    for i, (num, den) in enumerate(p_n):
        if method == 0:  # none: a zero precision becomes the tiniest float (log -> -708)
            out.append(Fraction(num, den) if num else sys.float_info.min)
        elif method == 1:  # add epsilon to zero counts
            out.append((num + epsilon) / den if num == 0 else Fraction(num, den))
        elif method == 2:  # add one to numerator and denominator for n > 1 (Lin & Och 2004)
            out.append(Fraction(num + 1, den + 1) if i else Fraction(num, den))
        elif method == 3:  # NIST geometric: 1 / (2^k den) for the k-th zero precision
            if num == 0:
                out.append(1 / (2 ** inc * den))
                inc += 1
            else:
                out.append(Fraction(num, den))
        else:  # 4: like 3 but scaled by ln(hypothesis length) / k
            if num == 0 and hyp_len > 1:
                out.append((1 / (2 ** inc * k / math.log(hyp_len))) / den)
                inc += 1
            else:
                out.append(Fraction(num, den))
    return out


def _check(list_of_references: Any, hypotheses: Any, weights: Any, smoothing: int) -> tuple:
    if isinstance(hypotheses, str) or not isinstance(hypotheses, Sequence):
        raise TypeError(f"bleu: hypotheses must be a list of token lists, got "
                        f"{type(hypotheses).__name__}")
    if len(list_of_references) != len(hypotheses):
        raise ValueError(f"bleu: {len(hypotheses)} hypotheses but {len(list_of_references)} "
                         f"reference lists; give one list of references per hypothesis")
    for i, (refs, hyp) in enumerate(zip(list_of_references, hypotheses)):
        if isinstance(hyp, str) or any(isinstance(r, str) for r in refs):
            raise TypeError(f"bleu: sentence {i} is a string; split it into tokens first "
                            f"(e.g. 'a cat'.split())")
        if len(refs) == 0:
            raise ValueError(f"bleu: hypothesis {i} has no reference")
    weights = tuple(float(w) for w in weights)
    if not weights or any(w < 0 for w in weights):
        raise ValueError(f"bleu: weights must be non-negative n-gram weights, got {weights}")
    if smoothing not in SMOOTHING_METHODS:
        raise ValueError(f"bleu: smoothing must be one of {SMOOTHING_METHODS} (Chen & Cherry "
                         f"2014, as NLTK's SmoothingFunction().methodN), got {smoothing!r}")
    return weights


def corpus_bleu(list_of_references: Sequence[Sequence[Sequence[Hashable]]],
                hypotheses: Sequence[Sequence[Hashable]],
                weights: Sequence[float] = (0.25, 0.25, 0.25, 0.25), smoothing: int = 0,
                epsilon: float = 0.1, k: float = 5) -> float:
    """Corpus BLEU: n-gram matches and lengths are summed over all sentences first.

    Args:
        list_of_references: one list of reference token lists per hypothesis.
        hypotheses: the candidate token lists.
        weights: ``w_n`` for n = 1..N (default BLEU-4: four times 0.25).
        smoothing: 0 (none, NLTK's default), 1 (add ``epsilon`` to zero counts),
            2 (add one, n > 1), 3 (NIST geometric), 4 (geometric scaled by ``ln(len)/k``).

    Returns a float in [0, 1]; 0.0 when no unigram matches.
    """
    weights = _check(list_of_references, hypotheses, weights, smoothing)
    num, den = Counter(), Counter()
    hyp_total, ref_total = 0, 0
    for refs, hyp in zip(list_of_references, hypotheses):
        for n in range(1, len(weights) + 1):
            m, d = _modified_precision(refs, hyp, n)
            num[n] += m
            den[n] += d
        hyp_total += len(hyp)
        ref_total += min((len(r) for r in refs), key=lambda r: (abs(r - len(hyp)), r))
    if num[1] == 0:
        return 0.0
    bp = 1.0 if hyp_total > ref_total else (
        0.0 if hyp_total == 0 else math.exp(1 - ref_total / hyp_total))
    p_n = _smooth(smoothing, [(num[n], den[n]) for n in range(1, len(weights) + 1)],
                  hyp_total, epsilon, k)
    s = math.fsum(w * math.log(p) for w, p in zip(weights, p_n) if p > 0)
    return bp * math.exp(s)


def sentence_bleu(references: Sequence[Sequence[Hashable]], hypothesis: Sequence[Hashable],
                  weights: Sequence[float] = (0.25, 0.25, 0.25, 0.25), smoothing: int = 0,
                  epsilon: float = 0.1, k: float = 5) -> float:
    """BLEU of one hypothesis against its references (corpus BLEU of a one-sentence corpus)."""
    return corpus_bleu([references], [hypothesis], weights, smoothing, epsilon, k)


def bleu(references: Sequence, hypotheses: Sequence, **kwargs: Any) -> float:
    """Corpus BLEU (``corpus_bleu``); a single reference per hypothesis may be given bare.

    ``bleu([["a", "cat"]], [["a", "cat"]])`` and ``bleu([[["a", "cat"]]], [["a", "cat"]])``
    are the same: when a reference entry is a token list (its first item is not a list),
    it is wrapped as the hypothesis' only reference.
    """
    refs = [[r] if len(r) and not isinstance(r[0], (list, tuple)) else r for r in references]
    return corpus_bleu(refs, hypotheses, **kwargs)
