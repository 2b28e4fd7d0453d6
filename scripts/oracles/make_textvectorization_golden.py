"""Golden outputs of Keras 3's TextVectorization, StringLookup and pad_sequences (on
TensorFlow), for ``tests/text/test_keras_text_golden.py``.

Keras' TextVectorization and StringLookup run on TensorFlow string ops, and TensorFlow is
not in nnlab's venv, so this runs in a separate one (never nnlab's), here ``.tfvenv`` at
the repository root (ignored by git):

    python3 -m venv .tfvenv && .tfvenv/bin/pip install tensorflow-cpu numpy
    .tfvenv/bin/python scripts/oracles/make_textvectorization_golden.py \
        tests/data/keras_text_golden.json

``make_cases()`` is also what the live test calls when TensorFlow is importable, e.g.

    SITE=$(.venv/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    KERAS_BACKEND=torch PYTHONPATH=src:$SITE \
        .tfvenv/bin/python -m pytest tests/text/test_keras_text_golden.py

(Keras' ``pad_sequences(maxlen=0)`` raises a broadcasting error, so that case is left out.)
"""
import json
import sys

import numpy as np

#: mixed case, punctuation (incl. apostrophes, hyphens, '[', '\\'), repeated words with
#: count ties, non-ASCII letters (TF lowercases ASCII only), tabs, runs of spaces, "".
CORPUS = [
    "The cat sat on the mat.",
    "The dog ate my homework!",
    "A cat, a dog -- and a bird?",
    "Don't   panic: it's only a TEST\tcase.",
    "ÉCOLE école Straße naïve",
    "x-ray [brackets] back\\slash under_score #tag @user",
    "",
    "the the the cat",
]
QUERIES = [
    "the cat ate the bird",
    "Unknown words: zebra, yak.",
    "",
    "A TEST of the mat\tand the dog's homework, twice twice",
    "école ÉCOLE",
]

TV_CASES = [
    ("defaults", {}),
    ("lower", {"standardize": "lower"}),
    ("strip_punctuation", {"standardize": "strip_punctuation"}),
    ("no_standardize", {"standardize": None}),
    ("character_split", {"split": "character"}),
    ("no_split", {"split": None}),
    ("max_tokens_6", {"max_tokens": 6}),
    ("sequence_length_4", {"output_sequence_length": 4}),
    ("sequence_length_12", {"output_sequence_length": 12}),
    ("multi_hot", {"output_mode": "multi_hot"}),
    ("multi_hot_max_tokens_5", {"output_mode": "multi_hot", "max_tokens": 5}),
    ("count", {"output_mode": "count"}),
    ("count_lower_char", {"output_mode": "count", "standardize": "lower",
                          "split": "character"}),
    ("tf_idf", {"output_mode": "tf_idf"}),
    ("tf_idf_max_tokens_7", {"output_mode": "tf_idf", "max_tokens": 7}),
]

SL_ADAPT = [["b", "a", "c", "a"], ["d", "b", "a", "e"], ["e", "e", "b", "f"]]
SL_QUERY = [["a", "z", "e", "b"], ["f", "b", "y", "a"]]
SL_CASES = [
    ("defaults", {}),
    ("mask_token", {"mask_token": "[MASK]"}),
    ("max_tokens_4", {"max_tokens": 4}),
    ("oov_token", {"oov_token": "<?>"}),
    ("multi_hot", {"output_mode": "multi_hot"}),
    ("count", {"output_mode": "count"}),
    ("count_mask", {"output_mode": "count", "mask_token": ""}),
]

PAD_SEQS = [[1, 2, 3, 4, 5], [6], [], [7, 8, 9]]
PAD_CASES = [
    ("defaults", {}),
    ("maxlen_3", {"maxlen": 3}),
    ("maxlen_3_post", {"maxlen": 3, "padding": "post"}),
    ("maxlen_3_truncating_post", {"maxlen": 3, "truncating": "post"}),
    ("maxlen_3_post_post", {"maxlen": 3, "padding": "post", "truncating": "post"}),
    ("maxlen_7_value", {"maxlen": 7, "value": -1}),
    ("float32", {"maxlen": 4, "dtype": "float32", "value": 0.5}),
]


def make_cases() -> dict:
    """Run Keras (TensorFlow backend) over every case; returns the JSON-able golden dict."""
    import os
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras
    import tensorflow as tf

    def listify(x):
        return np.asarray(x).tolist()

    tv = []
    for name, cfg in TV_CASES:
        layer = keras.layers.TextVectorization(**cfg)
        layer.adapt(CORPUS)
        out = layer(tf.constant(QUERIES))
        tv.append({"name": name, "config": cfg, "vocabulary": layer.get_vocabulary(),
                   "output": listify(out), "shape": list(out.shape)})
    tv_given = keras.layers.TextVectorization(vocabulary=["cat", "the", "ate"],
                                              output_sequence_length=6)
    out = tv_given(tf.constant(QUERIES))
    tv.append({"name": "given_vocabulary", "config": {"output_sequence_length": 6},
               "set_vocabulary": ["cat", "the", "ate"], "vocabulary": tv_given.get_vocabulary(),
               "output": listify(out), "shape": list(out.shape)})
    sl = []
    for name, cfg in SL_CASES:
        layer = keras.layers.StringLookup(**cfg)
        layer.adapt(tf.constant(SL_ADAPT))
        out = layer(tf.constant(SL_QUERY))
        case = {"name": name, "config": cfg, "vocabulary": layer.get_vocabulary(),
                "output": listify(out), "shape": list(out.shape)}
        if cfg.get("output_mode", "int") == "int":
            inv = keras.layers.StringLookup(vocabulary=layer.get_vocabulary(
                include_special_tokens=False), invert=True,
                **{k: v for k, v in cfg.items() if k != "max_tokens"})
            case["inverted"] = [[t.decode() for t in row] for row in inv(out).numpy().tolist()]
        sl.append(case)
    pad = []
    for name, cfg in PAD_CASES:
        out = keras.utils.pad_sequences(PAD_SEQS, **cfg)
        pad.append({"name": name, "config": cfg, "output": listify(out),
                    "dtype": str(out.dtype), "shape": list(out.shape)})
    return {"keras": keras.__version__, "tensorflow": tf.__version__,
            "backend": keras.backend.backend(), "corpus": CORPUS, "queries": QUERIES,
            "string_lookup_adapt": SL_ADAPT, "string_lookup_queries": SL_QUERY,
            "pad_sequences_inputs": PAD_SEQS, "text_vectorization": tv,
            "string_lookup": sl, "pad_sequences": pad}


if __name__ == "__main__":
    import os
    os.environ["KERAS_BACKEND"] = "tensorflow"
    path = sys.argv[1] if len(sys.argv) > 1 else "tests/data/keras_text_golden.json"
    golden = make_cases()
    with open(path, "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}: {len(golden['text_vectorization'])} TextVectorization, "
          f"{len(golden['string_lookup'])} StringLookup, {len(golden['pad_sequences'])} "
          f"pad_sequences cases (Keras {golden['keras']}, TensorFlow {golden['tensorflow']})")
