"""pad_sequences: same output as Keras 3 for every padding/truncating/dtype combination."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlab
from nnlab.preprocessing.sequence import pad_sequences as legacy_pad
from nnlab.utils import pad_sequences

SEQS = [[1, 2, 3, 4], [5], [], [6, 7]]


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
@pytest.mark.parametrize("maxlen", [None, 1, 2, 6])
def test_pad_sequences_matches_keras(keras, padding, truncating, maxlen):
    kwargs = dict(maxlen=maxlen, padding=padding, truncating=truncating)
    ours, theirs = pad_sequences(SEQS, **kwargs), keras.utils.pad_sequences(SEQS, **kwargs)
    assert ours.dtype == theirs.dtype == np.int32
    np.testing.assert_array_equal(ours, theirs)


def test_defaults_value_dtype_and_item_shapes_match_keras(keras):
    assert pad_sequences([[1, 2, 3], [4]], maxlen=2).tolist() == [[2, 3], [0, 4]]
    floats = [[0.5, 1.5], [2.5]]
    for kwargs in (dict(dtype="float32", value=-1.0), dict(dtype="float64", padding="post")):
        np.testing.assert_array_equal(pad_sequences(floats, **kwargs),
                                      keras.utils.pad_sequences(floats, **kwargs))
    vectors = [np.ones((3, 2)), np.zeros((1, 2))]
    ours = pad_sequences(vectors, maxlen=2, dtype="float32")
    np.testing.assert_array_equal(ours, keras.utils.pad_sequences(vectors, maxlen=2,
                                                                  dtype="float32"))
    assert ours.shape == (2, 2, 2)
    words = [["a", "b"], ["c"]]
    np.testing.assert_array_equal(pad_sequences(words, dtype=object, value=""),
                                  keras.utils.pad_sequences(words, dtype=object, value=""))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(1, 50), max_size=7), min_size=1, max_size=6),
       st.one_of(st.none(), st.integers(1, 8)), st.sampled_from(["pre", "post"]),
       st.sampled_from(["pre", "post"]))
def test_pad_sequences_property_against_keras(seqs, maxlen, padding, truncating):
    keras = pytest.importorskip("keras")
    kwargs = dict(maxlen=maxlen, padding=padding, truncating=truncating)
    np.testing.assert_array_equal(pad_sequences(seqs, **kwargs),
                                  keras.utils.pad_sequences(seqs, **kwargs))


def test_the_keras2_path_is_the_same_function():
    assert legacy_pad is pad_sequences is nnlab.utils.pad_sequences


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="padding must be 'pre' or 'post', got 'left'"):
        pad_sequences(SEQS, padding="left")
    with pytest.raises(ValueError, match=r"sequences\[1\] is not a sequence"):
        pad_sequences([[1], 5])
    with pytest.raises(ValueError, match="not compatible with value 'x'"):
        pad_sequences(SEQS, value="x")
    with pytest.raises(ValueError, match="maxlen must be a non-negative int"):
        pad_sequences(SEQS, maxlen=-1)
    with pytest.raises(ValueError, match=r"sequences\[1\] has items of shape \(3,\)"):
        pad_sequences([np.ones((2, 2)), np.ones((2, 3))], dtype="float32")


def test_pad_sequences_unknown_truncating_is_named():
    from nnlab.utils import pad_sequences
    with pytest.raises(ValueError, match="truncating must be 'pre' or 'post', got 'middle'"):
        pad_sequences([[1, 2, 3]], maxlen=2, truncating="middle")
