"""Embedding: harness, Keras 3 parity, id range errors, input_length, mask_zero."""

import numpy as np
import pytest
import torch

import nnlab
from nnlab import layers as L
from tests.layer_harness import run_layer_test


def test_harness():
    run_layer_test(lambda: L.Embedding(10, 4, embeddings_regularizer="l2"), (6,), (None, 6, 4),
                   40, input_dtype="int32", int_high=10)
    run_layer_test(lambda: L.Embedding(7, 3, mask_zero=True), (2, 5), (None, 2, 5, 3), 21,
                   input_dtype="int64", int_high=7)


def test_input_length_and_config_round_trip():
    layer = L.Embedding(100, 8, input_length=12)
    config = layer.get_config()
    assert config["input_dim"] == 100 and config["batch_input_shape"] == [None, 12]
    clone = L.Embedding.from_config(config)
    assert (clone.input_dim, clone.output_dim, clone.input_length) == (100, 8, 12)
    model = nnlab.Sequential([layer, L.Flatten(), L.Dense(1, activation="sigmoid")])
    assert model.output_shape == (None, 1)
    assert model.count_params() == 100 * 8 + 12 * 8 + 1
    assert model(torch.randint(0, 100, (4, 12))).shape == (4, 1)


def test_keras_parity(keras):
    k_layer = keras.layers.Embedding(30, 5)
    out = k_layer(keras.Input((7,), dtype="int32"))
    n_layer = L.Embedding(30, 5)
    assert n_layer(nnlab.Input((7,), dtype="int32")).shape == tuple(out.shape)
    assert n_layer.count_params() == k_layer.count_params()
    table = np.random.default_rng(0).normal(size=(30, 5)).astype("float32")
    k_layer.set_weights([table])
    n_layer.set_weights([table])
    ids = np.random.default_rng(1).integers(0, 30, (3, 7))
    np.testing.assert_allclose(n_layer(torch.from_numpy(ids)).detach().numpy(),
                               keras.ops.convert_to_numpy(k_layer(ids)), atol=1e-6)


def test_default_initialisation_is_small_uniform():
    w = L.Embedding(1000, 16)
    w(torch.zeros(1, 1, dtype=torch.long))
    assert w.embeddings.abs().max() <= 0.05 and w.embeddings.std() > 0.02


def test_out_of_range_ids_raise_clear_errors():
    layer = L.Embedding(10, 3, name="tok_emb")
    with pytest.raises(ValueError, match=r"tok_emb.*token id 10.*\[0, 9\]"):
        layer(torch.tensor([[1, 2, 10]]))
    with pytest.raises(ValueError, match=r"tok_emb.*token id -1"):
        layer(torch.tensor([[-1, 2]]))
    assert layer(torch.tensor([[0, 9]])).shape == (1, 2, 3)


def test_float_ids_are_cast_and_mask_zero():
    layer = L.Embedding(5, 2, mask_zero=True)
    ids = torch.tensor([[3.0, 1.0, 0.0]])
    torch.testing.assert_close(layer(ids), layer(ids.long()))
    assert layer.compute_mask(ids.long()).tolist() == [[True, True, False]]
    assert L.Embedding(5, 2).compute_mask(ids) is None
    with pytest.raises(ValueError, match="input_dim"):
        L.Embedding(0, 2)
