import json
import os

import numpy as np
import pytest
import torch

from nnlab.compress import (compression_report, deep_compress, format_compression_report,
                            load_compressed, prune_magnitude, save_compressed, share_weights)
from nnlab.compress.huffman import decode

from .conftest import mlp


def test_deep_compress_digits_report_and_file_round_trip(digits, trained_mlp, tmp_path):
    (x, y), (xt, yt) = digits
    m = trained_mlp
    res = deep_compress(m, x, y, sparsity=0.8, bits=4, validation_data=(xt, yt),
                        prune_steps=2, prune_epochs=3, quant_epochs=1)
    assert list(res.accuracy) == ["original", "pruned", "quantised", "fine-tuned"]
    assert res.accuracy["fine-tuned"] > 0.85
    rows = {r["layer"]: r for r in res.rows}
    first = rows[m.layers[0].name]
    assert first["kept"] == pytest.approx(0.2, abs=0.01) and first["bits"] == 4
    assert first["pqh_bits"] < first["pq_bits"] < first["p_bits"] < 32 * first["weights"]
    assert res.ratio > 5 and "| total |" in res.table()

    path = str(tmp_path / "m.nnlabz")
    meta = save_compressed(m, path)
    assert not [f for f in os.listdir(tmp_path) if "nnlab-tmp" in f]     # atomic write
    # the stored streams are exactly the Huffman bit counts of the report
    from safetensors import safe_open
    with safe_open(path, framework="pt") as f:
        names = [k for k in f.keys() if k.endswith(".clusters")]
        stream = f.get_tensor(names[0])
    info = next(iter(meta["layers"].values()))
    assert len(stream) == (info["cluster_bits"] + 7) // 8
    assert len(decode(stream.numpy().tobytes(), {int(k): v for k, v in info["cluster_code"].items()},
                      info["cluster_bits"])) > 0
    before = m.predict(xt, verbose=0)
    loaded = load_compressed(path)                                       # rebuilt from JSON
    assert np.allclose(loaded.predict(xt, verbose=0), before, atol=1e-5)
    loaded2 = load_compressed(path, model=mlp(seed=5))
    assert np.allclose(loaded2.predict(xt, verbose=0), before, atol=1e-5)
    assert os.path.getsize(path) < 4 * sum(p.numel() for p in loaded.parameters())


def test_report_of_unpruned_shared_layer_counts_codebook():
    m = mlp()
    m(torch.zeros(1, 64))
    share_weights(m, 2)
    r = compression_report(m)[0]
    n = r["weights"]
    assert r["kept"] == 1.0 and r["index_bits"] == 5
    assert r["pq_bits"] >= n * (2 + 5) + 32 * 4


def test_pruned_only_model_saves_and_loads(digits, tmp_path):
    (x, y), (xt, yt) = digits
    m = mlp()
    m(torch.zeros(1, 64))
    prune_magnitude(m, 0.5)
    path = str(tmp_path / "p.nnlabz")
    save_compressed(m, path)
    loaded = load_compressed(path)
    assert np.allclose(loaded.predict(xt[:20], verbose=0), m.predict(xt[:20], verbose=0), atol=1e-6)
    with open(path, "rb") as fh:
        header_len = int.from_bytes(fh.read(8), "little")
        assert "nnlab-deep-compression/1" in json.loads(fh.read(header_len))["__metadata__"]["nnlab"]


def test_deep_compress_refuses_bad_arguments_before_training(trained_mlp, digits):
    (x, y), _ = digits
    before = {k: v.clone() for k, v in trained_mlp.state_dict().items()}
    with pytest.raises(ValueError, match=r"sparsity must be a number in \[0, 1\)"):
        deep_compress(trained_mlp, x, y, sparsity=1.2, bits=4)
    with pytest.raises(ValueError, match=r"bits must be an int in \[1, 16\]"):
        deep_compress(trained_mlp, x, y, sparsity=0.5, bits=0)
    after = trained_mlp.state_dict()
    assert before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before)


def test_huffman_stage_picks_the_smallest_difference_width(digits):
    (x, y), _ = digits
    m = mlp()
    m.fit(x, y, epochs=2, batch_size=64, verbose=0)
    prune_magnitude(m, 0.9)
    share_weights(m, 4)
    auto = compression_report(m)
    for width in (2, 5, 9):
        fixed = compression_report(m, huffman_index_bits={r["layer"]: width for r in auto[:-1]})
        for a, f in zip(auto, fixed):
            assert a["pqh_bits"] <= f["pqh_bits"]
    same = compression_report(m, huffman_index_bits="same")
    assert [r["index_bits_h"] for r in same[:-1]] == [5, 5]
    assert "| 5 / " in format_compression_report(auto)
    with pytest.raises(ValueError, match="huffman_index_bits must be 'auto', 'same' or"):
        compression_report(m, huffman_index_bits="best")


def test_deep_compress_refuses_too_few_epochs_for_the_schedule(digits):
    (x, y), _ = digits
    m = mlp()
    m(torch.zeros(1, 64))
    w0 = m.layers[0].kernel.detach().clone()
    with pytest.raises(ValueError, match=r"prune_epochs \(4\) must be >= \(prune_steps - 1\) \* "
                                         r"prune_every \+ 1 = 5"):
        deep_compress(m, x, y, 0.5, 4, prune_steps=3, prune_every=2, prune_epochs=4)
    assert torch.equal(m.layers[0].kernel.detach(), w0)
