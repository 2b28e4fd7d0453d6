"""TextVectorization, StringLookup and pad_sequences against Keras 3 on TensorFlow.

``tests/data/keras_text_golden.json`` holds Keras' outputs for a fixed corpus and every
option case, written by ``scripts/oracles/make_textvectorization_golden.py`` in a separate
venv with TensorFlow (nnlab's venv has none). nnlab must give the same vocabularies, the
same ids, shapes and dtypes exactly, and TF-IDF values to 1e-6. The live test re-runs Keras
where TensorFlow is importable and compares it to the file.
"""
import json
import pathlib

import numpy as np
import pytest

from nnlab.layers import StringLookup, TextVectorization
from nnlab.utils import pad_sequences

GOLDEN_PATH = pathlib.Path(__file__).parents[1] / "data" / "keras_text_golden.json"
GOLDEN = json.loads(GOLDEN_PATH.read_text(encoding="utf-8"))
ORACLE = pathlib.Path(__file__).parents[2] / "scripts" / "oracles" / \
    "make_textvectorization_golden.py"


def _names(section):
    return [case["name"] for case in GOLDEN[section]]


def _case(section, name):
    return next(c for c in GOLDEN[section] if c["name"] == name)


@pytest.mark.parametrize("name", _names("text_vectorization"))
def test_text_vectorization_matches_keras(name):
    case = _case("text_vectorization", name)
    layer = TextVectorization(**case["config"])
    if "set_vocabulary" in case:
        layer.set_vocabulary(case["set_vocabulary"])
    else:
        layer.adapt(GOLDEN["corpus"])
    assert layer.get_vocabulary() == case["vocabulary"]
    out = layer(GOLDEN["queries"]).numpy()
    want = np.asarray(case["output"])
    assert list(out.shape) == case["shape"]
    if case["config"].get("output_mode") == "tf_idf":
        np.testing.assert_allclose(out, want, rtol=0, atol=1e-6)
    else:
        np.testing.assert_array_equal(out, want)


@pytest.mark.parametrize("name", _names("string_lookup"))
def test_string_lookup_matches_keras(name):
    case = _case("string_lookup", name)
    layer = StringLookup(**case["config"])
    layer.adapt(GOLDEN["string_lookup_adapt"])
    assert layer.get_vocabulary() == case["vocabulary"]
    out = layer(GOLDEN["string_lookup_queries"]).numpy()
    assert list(out.shape) == case["shape"]
    np.testing.assert_array_equal(out, np.asarray(case["output"]))
    if "inverted" in case:
        cfg = {k: v for k, v in case["config"].items() if k != "max_tokens"}
        inv = StringLookup(vocabulary=layer.get_vocabulary(include_special_tokens=False),
                           invert=True, **cfg)
        assert np.asarray(inv(out)).tolist() == case["inverted"]


@pytest.mark.parametrize("name", _names("pad_sequences"))
def test_pad_sequences_matches_keras(name):
    case = _case("pad_sequences", name)
    out = pad_sequences(GOLDEN["pad_sequences_inputs"], **case["config"])
    assert str(out.dtype) == case["dtype"] and list(out.shape) == case["shape"]
    np.testing.assert_array_equal(out, np.asarray(case["output"]))


def test_golden_file_is_small_and_complete():
    assert GOLDEN_PATH.stat().st_size < 100_000
    modes = {c["config"].get("output_mode", "int") for c in GOLDEN["text_vectorization"]}
    assert modes == {"int", "multi_hot", "count", "tf_idf"}
    assert GOLDEN["backend"] == "tensorflow"


def test_live_keras_equals_golden_file():
    """Where TensorFlow is installed: Keras today still writes the stored golden data."""
    pytest.importorskip("tensorflow")
    import importlib.util
    spec = importlib.util.spec_from_file_location("make_golden", ORACLE)
    oracle = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(oracle)
    live = json.loads(json.dumps(oracle.make_cases(), ensure_ascii=False))
    for section in ("text_vectorization", "string_lookup", "pad_sequences"):
        for got, want in zip(live[section], GOLDEN[section], strict=True):
            assert got["name"] == want["name"] and got["shape"] == want["shape"]
            assert got.get("vocabulary") == want.get("vocabulary"), got["name"]
            np.testing.assert_allclose(np.asarray(got["output"], float),
                                       np.asarray(want["output"], float), atol=1e-6)
