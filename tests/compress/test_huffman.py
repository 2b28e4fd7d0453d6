import numpy as np
import pytest

from nnlab.compress.huffman import (FILLER, decode, encode, encoded_bits, huffman_code,
                                    sparse_decode, sparse_encode)


def test_known_code_lengths():
    # frequencies 45, 13, 12, 16, 9, 5 (CLRS's example): optimal lengths 1,3,3,3,4,4
    symbols = ["a"] * 45 + ["b"] * 13 + ["c"] * 12 + ["d"] * 16 + ["e"] * 9 + ["f"] * 5
    code = huffman_code(symbols)
    assert {s: len(c) for s, c in code.items()} == {"a": 1, "b": 3, "c": 3, "d": 3, "e": 4, "f": 4}
    assert encoded_bits(symbols, code) == 224
    codes = list(code.values())                                    # prefix-free
    assert not any(a != b and b.startswith(a) for a in codes for b in codes)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_decode_reproduces_indices_and_size_is_sum_of_code_lengths(seed):
    rng = np.random.default_rng(seed)
    idx = rng.choice(32, size=5000, p=np.r_[np.full(8, 0.1), np.full(24, 0.2 / 24)]).tolist()
    data, code, n_bits = encode(idx)
    assert n_bits == sum(len(code[s]) for s in idx)
    assert len(data) == (n_bits + 7) // 8
    assert decode(data, code, n_bits) == idx
    assert n_bits < 5 * len(idx)                                   # beats 5-bit fixed width


def test_single_symbol_and_empty():
    data, code, n = encode([7, 7, 7])
    assert code == {7: "0"} and n == 3 and decode(data, code, n) == [7, 7, 7]
    data, code, n = encode([])
    assert n == 0 and decode(data, code, n) == []


def test_sparse_index_differences_round_trip_with_fillers():
    rng = np.random.default_rng(0)
    mask = rng.random(3000) < 0.05
    mask[2999] = True
    mask[:100] = False                                             # a gap > 2**3 -> fillers
    indices = rng.integers(0, 16, 3000)
    diffs, clusters = sparse_encode(indices, mask, index_bits=3)
    assert diffs.max() <= 8 and (clusters == FILLER).sum() > 0
    got_idx, got_mask = sparse_decode(diffs, clusters, 3000)
    assert np.array_equal(got_mask, mask)
    assert np.array_equal(got_idx[mask], indices[mask])
    # and the Huffman stage on the differences round-trips too
    data, code, n = encode(diffs.tolist())
    assert decode(data, code, n) == diffs.tolist()
    with pytest.raises(ValueError, match="index_bits must be >= 1"):
        sparse_encode(indices, mask, 0)
