"""Greedy and beam search on a decoder with a known transition table, and bad input."""
import math

import pytest
import torch

from nnlab.text.decoding import beam_search, greedy_decode, strip_eos

BOS, EOS = 0, 1


class TableDecoder(torch.nn.Module):
    """p(next | prev) from a fixed table (a bigram model); attention = one-hot of step."""

    bos_id, eos_id = BOS, EOS

    def __init__(self, table):
        super().__init__()
        self.logp = torch.log(torch.tensor(table, dtype=torch.float32).clamp_min(1e-12))

    def encode(self, src):
        return {"src": torch.as_tensor(src).float()}

    def initial_state(self, enc):
        return {"t": torch.zeros(enc["src"].shape[0], 1)}

    def decode_step(self, prev, state, enc):
        t = state["t"]
        weights = torch.nn.functional.one_hot(t[:, 0].long().clamp_max(3), 4).float()
        return self.logp[prev], {"t": t + 1}, weights


# tokens: 0 BOS, 1 EOS, 2 A, 3 B, 4..7 C1..C4
#   BOS -> A 0.55, B 0.45;  A -> C1..C4 0.25 each;  B -> EOS 0.9;  C* -> EOS 1.0
TABLE = [[0, 0, .55, .45, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0, 0, 0],
         [0, 0, 0, 0, .25, .25, .25, .25], [0, .9, 0, 0, .1, 0, 0, 0],
         [0, 1, 0, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0, 0, 0],
         [0, 1, 0, 0, 0, 0, 0, 0]]


def test_greedy_takes_the_locally_best_path():
    out = greedy_decode(TableDecoder(TABLE), torch.zeros(2, 3), max_len=6)
    assert strip_eos(out.tokens, EOS) == [[2, 4], [2, 4]]  # A C1 EOS: p = 0.1375
    assert out.scores[0].item() == pytest.approx(math.log(0.55 * 0.25), rel=1e-5)
    assert out.tokens.shape == (2, 3) and out.attention.shape == (2, 3, 4)


def test_beam_finds_the_more_likely_sequence():
    out = beam_search(TableDecoder(TABLE), torch.zeros(3, 3), beam_width=2, max_len=6,
                      length_penalty=0.0)
    assert strip_eos(out.tokens, EOS) == [[3]] * 3  # B EOS: p = 0.405 > 0.1375
    assert out.scores[0].item() == pytest.approx(math.log(0.45 * 0.9), rel=1e-5)
    # attention follows the chosen beam: step t attends to position t
    assert out.attention[0, :2].argmax(-1).tolist() == [0, 1]


def test_beam_width_one_equals_greedy():
    torch.manual_seed(0)
    table = torch.rand(8, 8).softmax(-1).tolist()
    g = greedy_decode(TableDecoder(table), torch.zeros(4, 2), max_len=7)
    b = beam_search(TableDecoder(table), torch.zeros(4, 2), beam_width=1, max_len=7,
                    length_penalty=0.0)
    assert torch.equal(g.tokens, b.tokens[:, :g.tokens.shape[1]])
    assert torch.allclose(g.scores, b.scores)


def test_length_penalty_prefers_longer_finished_beams():
    # BOS -> EOS .4 | A .6;  A -> EOS .6 | B .4;  B -> EOS 1.
    # raw log p: EOS -0.92 > A EOS -1.02 > A B EOS -1.43; divided by length (1, 2, 3):
    # -0.92, -0.51, -0.48 -> the longest wins
    table = [[0, .4, .6, 0], [0, 1, 0, 0], [0, .6, 0, .4], [0, 1, 0, 0]]
    raw = beam_search(TableDecoder(table), torch.zeros(1, 1), 3, 5, length_penalty=0.0)
    norm = beam_search(TableDecoder(table), torch.zeros(1, 1), 3, 5, length_penalty=1.0)
    assert strip_eos(raw.tokens, EOS) == [[]]
    assert strip_eos(norm.tokens, EOS) == [[2, 3]]


@pytest.mark.parametrize("width", [0, -2, 1.5, True])
def test_bad_beam_width(width):
    with pytest.raises(ValueError, match="beam_width must be an int >= 1"):
        beam_search(TableDecoder(TABLE), torch.zeros(1, 1), beam_width=width)


def test_other_bad_input():
    with pytest.raises(ValueError, match="larger than the vocabulary"):
        beam_search(TableDecoder(TABLE), torch.zeros(1, 1), beam_width=9)
    with pytest.raises(ValueError, match="max_len must be an int >= 1"):
        greedy_decode(TableDecoder(TABLE), torch.zeros(1, 1), max_len=0)
    with pytest.raises(ValueError, match="length_penalty must be >= 0"):
        beam_search(TableDecoder(TABLE), torch.zeros(1, 1), length_penalty=-1)
    with pytest.raises(TypeError, match="has no 'encode'"):
        greedy_decode(torch.nn.Linear(2, 2), torch.zeros(1, 1), max_len=3)
