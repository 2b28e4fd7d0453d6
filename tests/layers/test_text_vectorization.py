"""TextVectorization and StringLookup against Keras 3's documented results (Keras' own
docstring examples: Keras runs these layers on TensorFlow, not installed here, so the
oracle cannot run them), and their bad-input errors."""
import numpy as np
import pytest
import torch

from nnlab.layers import StringLookup, TextVectorization

VOCAB = ["a", "b", "c", "d"]


def test_string_lookup_keras_examples():
    data = [["a", "c", "d"], ["d", "z", "b"]]
    assert StringLookup(vocabulary=VOCAB)(data).tolist() == [[1, 3, 4], [4, 0, 2]]
    layer = StringLookup()
    layer.adapt(data)
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    assert layer(data).tolist() == [[5, 3, 1], [1, 2, 4]]
    one_hot = StringLookup(vocabulary=VOCAB, output_mode="one_hot")(["a", "b", "c", "d", "z"])
    assert one_hot.tolist() == np.eye(5)[[1, 2, 3, 4, 0]].tolist()
    data4 = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]
    assert StringLookup(vocabulary=VOCAB, output_mode="multi_hot")(data4).tolist() == \
        [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]
    assert StringLookup(vocabulary=VOCAB, output_mode="count")(data4).tolist() == \
        [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]]
    inverted = StringLookup(vocabulary=VOCAB, invert=True)([[1, 3, 4], [4, 0, 2]])
    assert inverted.tolist() == [["a", "c", "d"], ["d", "[UNK]", "b"]]
    masked = StringLookup(vocabulary=VOCAB, mask_token="[MASK]")
    assert masked([["a", "[MASK]", "z"]]).tolist() == [[2, 0, 1]]
    assert masked.get_vocabulary()[:2] == ["[MASK]", "[UNK]"]
    assert StringLookup(vocabulary=VOCAB, num_oov_indices=0)([["a", "d"]]).tolist() == [[0, 3]]


def test_text_vectorization_keras_examples(tmp_path):
    tv = TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
    tv.adapt(["foo bar", "bar baz", "baz bada boom"])
    assert tv([["foo qux bar"], ["qux baz"]]).tolist() == [[4, 1, 3, 0], [1, 2, 0, 0]]
    path = tmp_path / "vocab.txt"
    path.write_text("earth\nwind\nand\nfire\n")
    tv = TextVectorization(output_sequence_length=4, vocabulary=str(path))
    assert tv.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]
    assert tv(["earth wind and fire", "fire and earth michigan"]).tolist() == \
        [[2, 3, 4, 5], [5, 4, 2, 1]]


def test_text_vectorization_standardize_split_and_modes():
    tv = TextVectorization()
    tv.adapt(["Hello, World! It's ÉTÉ.", "hello again (world)"])
    # ASCII lowercasing as tf.strings.lower; Keras' punctuation regex
    # ties: UTF-8 bytes high to low (Keras' np.lexsort order)
    assert tv.get_vocabulary() == ["", "[UNK]", "world", "hello", "ÉtÉ", "its", "again"]
    assert tv(["HELLO world unknown"]).tolist() == [[3, 2, 1]]
    chars = TextVectorization(split="character", standardize="lower")
    chars.adapt(["abba", "Cab"])
    assert chars.get_vocabulary() == ["", "[UNK]", "b", "a", "c"]
    assert chars(["cab", "d"]).tolist() == [[4, 3, 2], [1, 0, 0]]
    custom = TextVectorization(split=lambda s: s.split("-"), standardize=None, max_tokens=4)
    custom.adapt(["x-y-y", "z-y"])
    assert custom.get_vocabulary() == ["", "[UNK]", "y", "z"]
    texts = ["the cat", "the the dog"]
    mh = TextVectorization(output_mode="multi_hot")
    mh.adapt(texts)
    assert mh.get_vocabulary() == ["[UNK]", "the", "dog", "cat"]
    assert mh(["the bird the"]).tolist() == [[1, 1, 0, 0]]
    count = TextVectorization(output_mode="count")
    count.adapt(texts)
    assert count(["the bird the"]).tolist() == [[1, 2, 0, 0]]
    tfidf = TextVectorization(output_mode="tf_idf")
    tfidf.adapt(texts)
    idf = [np.log(1 + 2 / (1 + df)) for df in (2, 1, 1)]  # the, dog, cat
    expected = [np.mean(idf), 2 * idf[0], 0, 0]
    np.testing.assert_allclose(tfidf(["the bird the"])[0].numpy(), expected, rtol=1e-6)
    given = TextVectorization(output_mode="tf_idf", vocabulary=VOCAB,
                              idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(given(["d z b z"]).numpy(), [[1.0, 0, 0.75, 0, 0.4]])


def test_set_vocabulary_round_trip_and_padding():
    tv = TextVectorization(output_sequence_length=3)
    tv.set_vocabulary(["", "[UNK]", "x", "y"])
    assert tv.get_vocabulary() == ["", "[UNK]", "x", "y"]
    assert tv(np.array(["x y x y", ""])).tolist() == [[2, 3, 2], [0, 0, 0]]
    assert tv(["x"]).dtype == torch.int64


def test_bad_input_messages(tmp_path):
    with pytest.raises(ValueError, match="adapt: got an empty list of strings"):
        TextVectorization().adapt([])
    with pytest.raises(ValueError, match="StringLookup.adapt: got no tokens"):
        StringLookup().adapt([])
    path = tmp_path / "dupes.txt"
    path.write_text("a\nb\na\n")
    with pytest.raises(ValueError, match=r"vocabulary file .*dupes.txt' has repeated terms "
                                         r"\['a'\]"):
        TextVectorization(vocabulary=str(path))
    with pytest.raises(ValueError, match=r"StringLookup: the vocabulary has repeated terms"):
        StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="standardize must be one of"):
        TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="output_sequence_length is only valid with "
                                         "output_mode='int'"):
        TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="expected a batch of strings"):
        TextVectorization(vocabulary=["a"])("a b")
    with pytest.raises(ValueError, match="token 'z' is not in the vocabulary and "
                                         "num_oov_indices=0"):
        StringLookup(vocabulary=VOCAB, num_oov_indices=0)(["z"])
