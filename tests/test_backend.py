"""nnlab.backend (K): Keras 3 names without warnings, Keras 2 names with one warning each."""
import warnings

import pytest
import torch

import nnlab
from nnlab import _deprecation
from nnlab import backend as K


@pytest.fixture(autouse=True)
def _fresh_warnings():
    _deprecation._WARNED.clear()


def test_keras3_names_match_keras_and_do_not_warn():
    keras = pytest.importorskip("keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert K.image_data_format() == keras.backend.image_data_format() == "channels_last"
        assert K.epsilon() == keras.backend.epsilon()
        assert K.floatx() == keras.backend.floatx()
        assert K.backend() == "torch" and K.standardize_dtype(torch.int64) == "int64"
        assert K.is_float_dtype("float16") and K.is_int_dtype("int32")
        assert K.is_keras_tensor(nnlab.Input((3,))) and not K.is_keras_tensor(torch.ones(2))
        K.set_image_data_format("channels_first")
        assert nnlab.image_data_format() == "channels_first"


def test_clear_session_restarts_layer_names():
    nnlab.layers.Dense(2)
    K.clear_session()
    assert nnlab.layers.Dense(2).name == "dense"
    assert nnlab.layers.Dense(2).name == "dense_1"
    nnlab.utils.clear_session()
    assert nnlab.layers.Dense(2).name == "dense"


def test_keras2_math_forwards_to_ops_with_one_warning():
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    with pytest.warns(DeprecationWarning, match="keras.ops.mean"):
        assert K.mean(K.square(x), axis=1).tolist() == [2.5, 12.5]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        K.mean(x)  # second use: silent
    with pytest.warns(DeprecationWarning, match="x.shape"):
        assert K.int_shape(nnlab.Input((3, 4))) == (None, 3, 4)
    w = torch.zeros(2)
    with pytest.warns(DeprecationWarning):
        K.set_value(w, [1.0, 2.0])
    with pytest.warns(DeprecationWarning):
        assert K.get_value(w).tolist() == [1.0, 2.0]


def test_unknown_names_say_what_to_use():
    with pytest.raises(AttributeError, match="K.function and K.gradients have no equivalent"):
        K.function  # noqa: B018
