import os

import numpy as np
import pytest

from nnlab.compress import load_compressed, prune_magnitude, save_compressed, share_weights
from nnlab.compress.huffman import canonical_code, decode, encode, encoded_bits, huffman_code

from .conftest import mlp


def test_canonical_code_has_the_huffman_lengths_and_decodes():
    symbols = [3] * 50 + [1] * 20 + [7] * 20 + [0] * 5 + [-1] * 5
    huff = huffman_code(symbols)
    canon = canonical_code({s: len(c) for s, c in huff.items()})
    assert {s: len(c) for s, c in canon.items()} == {s: len(c) for s, c in huff.items()}
    assert encoded_bits(symbols, canon) == encoded_bits(symbols, huff)
    data, _, n = encode(symbols, canon)
    assert decode(data, canon, n) == symbols
    with pytest.raises(ValueError, match="Kraft"):
        canonical_code({0: 1, 1: 1, 2: 1})


def _compressed_mlp(digits):
    (x, y), (xt, yt) = digits
    m = mlp()
    m.fit(x, y, epochs=3, batch_size=64, verbose=0)
    prune_magnitude(m, 0.8)
    share_weights(m, 4)
    return m, xt


def test_compact_file_round_trip_is_smaller_and_counts_every_byte(digits, tmp_path):
    m, xt = _compressed_mlp(digits)
    before = m.predict(xt, verbose=0)
    v1, v2 = str(tmp_path / "m1.nnlabz"), str(tmp_path / "m2.nnlabz")
    save_compressed(m, v1)
    meta = save_compressed(m, v2, compact=True)
    assert meta["format"] == "nnlab-deep-compression/2"
    assert os.path.getsize(v2) < 0.6 * os.path.getsize(v1)
    loaded = load_compressed(v2)                                    # rebuilt from the JSON
    assert np.allclose(loaded.predict(xt, verbose=0), before, atol=2e-3)   # float16 biases
    assert (loaded.predict(xt, verbose=0).argmax(-1) == before.argmax(-1)).mean() > 0.99
    exact = str(tmp_path / "m3.nnlabz")
    save_compressed(m, exact, compact=True, float_dtype="float32")
    assert np.allclose(load_compressed(exact, model=mlp(seed=4)).predict(xt, verbose=0), before,
                       atol=1e-5)


def test_compact_file_refuses_bad_float_dtype_before_writing(digits, tmp_path):
    m, _ = _compressed_mlp(digits)
    with pytest.raises(ValueError, match=r"float_dtype must be one of .*'int8'"):
        save_compressed(m, str(tmp_path / "x.nnlabz"), compact=True, float_dtype="int8")
    assert not os.listdir(tmp_path)
