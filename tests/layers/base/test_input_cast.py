"""Defect 5: inputs Keras casts (int, uint8, float64) instead of raw torch errors."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab.layers import Conv2D, Dense, Embedding, Flatten, Rescaling


def _images():
    rng = np.random.default_rng(0)
    return rng.integers(0, 255, (6, 8, 8, 1)).astype("uint8"), rng.integers(0, 3, 6)


def _cnn():
    return nnlab.Sequential([Rescaling(1 / 255, input_shape=(8, 8, 1)), Conv2D(2, 3),
                             Flatten(), Dense(3, activation="softmax")])


def test_uint8_and_int_arrays_in_fit_predict_and_call_are_cast_to_float32():
    x, y = _images()
    model = _cnn()
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    model.eval()
    expected = model(torch.from_numpy(x).float()).detach()
    assert torch.equal(model(x).detach(), expected)  # numpy uint8 in a direct call
    assert np.array_equal(model.predict(x.astype("int64"), verbose=0), expected.numpy())


def test_float64_and_int_tensors_in_direct_layer_calls():
    layer = Dense(2)
    out64 = layer(torch.ones(3, 4, dtype=torch.float64))
    assert out64.dtype == torch.float32
    assert torch.equal(layer(torch.ones(3, 4, dtype=torch.int32)), out64)


def test_embedding_keeps_integers_and_accepts_whole_float_ids():
    model = nnlab.Sequential([Embedding(10, 3, input_shape=(4,)), Flatten(), Dense(2)])
    ids = np.array([[1, 2, 3, 9]], dtype="int32")
    assert torch.equal(model(ids), model(ids.astype("float64")))


def test_embedding_refuses_fractional_ids_naming_the_layer():
    """Defect 7: float Embedding ids were silently truncated."""
    layer = Embedding(10, 3, name="tokens")
    with pytest.raises(TypeError, match=r"'tokens' \(Embedding\) takes integer token ids.*1\.5"):
        layer(torch.tensor([[1.0, 1.5]]))
