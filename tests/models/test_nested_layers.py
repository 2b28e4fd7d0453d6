"""Defect 3: custom layers and models holding sublayers (made in __init__ or build, kept
as attributes or in a list) work on symbolic inputs: Sequential, functional, summary,
save/load -- without a first eager call."""
import numpy as np
import torch

import nnlab
from nnlab import layers


class Block(layers.Layer):
    """Sublayers made in __init__, one of them a Sequential without an input shape."""

    def __init__(self, dim, hidden, **kwargs):
        super().__init__(**kwargs)
        self.dim, self.hidden = dim, hidden
        self.att = layers.MultiHeadAttention(num_heads=2, key_dim=dim)
        self.ffn = nnlab.Sequential([layers.Dense(hidden, activation="relu"),
                                     layers.Dense(dim)])
        self.norm1 = layers.LayerNormalization(epsilon=1e-6)
        self.norm2 = layers.LayerNormalization(epsilon=1e-6)
        self.drop = layers.Dropout(0.1)

    def call(self, inputs, training=None):
        out1 = self.norm1(inputs + self.drop(self.att(inputs, inputs), training=training))
        return self.norm2(out1 + self.ffn(out1))


class Stack(layers.Layer):
    """Sublayers made in build, kept in a plain Python list (Keras tracks those)."""

    def __init__(self, units=(4, 3), **kwargs):
        super().__init__(**kwargs)
        self.units = list(units)

    def build(self, input_shape):
        self.blocks = [layers.Dense(u) for u in self.units]

    def call(self, x):
        for block in self.blocks:
            x = block(x)
        return x


class Tower(nnlab.Model):
    """A subclassed model with sublayers, used as a layer."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.a = layers.Dense(6, activation="relu")
        self.b = Stack((5,))

    def call(self, x):
        return self.b(self.a(x))


CUSTOM = {"Block": Block, "Stack": Stack, "Tower": Tower}


def _functional():
    inputs = nnlab.Input(shape=(10,))
    x = layers.Embedding(50, 8)(inputs)
    x = Block(8, 16)(x)
    x = layers.GlobalAveragePooling1D()(x)
    return nnlab.Model(inputs, Stack()(x))


def test_functional_model_with_nested_custom_layers_counts_and_runs(tmp_path):
    nnlab.set_seed(0)
    model = _functional()
    block = model.layers[2]
    mha = 4 * (8 * 2 * 8 + 2 * 8) - 2 * 8 + 8  # q,k,v: 8->2x8 (+bias), out: 2x8->8 (+bias)
    assert block.count_params() == mha + (8 * 16 + 16) + (16 * 8 + 8) + 2 * 16
    lines = []
    model.summary(print_fn=lines.append)
    assert "block (Block)" in lines[0] and "(None, 10, 8)" in lines[0]
    x = np.random.default_rng(0).integers(0, 50, size=(4, 10))
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "m.nnlab")
    again = nnlab.load_model(tmp_path / "m.nnlab", custom_objects=CUSTOM)
    np.testing.assert_allclose(again.predict(x, verbose=0), expected, atol=1e-6)


def test_sequential_with_build_time_sublayers_and_subclassed_model_trains():
    nnlab.set_seed(0)
    model = nnlab.Sequential([nnlab.Input(shape=(7,)), Tower(), Stack((2,))])
    assert model.count_params() == (7 * 6 + 6) + (6 * 5 + 5) + (5 * 2 + 2)
    assert len(model.trainable_weights) == 6  # the list's Dense layers are tracked
    model.compile("adam", "mse")
    x = np.random.default_rng(1).normal(size=(32, 7)).astype("float32")
    before = [w.detach().clone() for w in model.trainable_weights]
    model.fit(x, np.zeros((32, 2), "float32"), epochs=1, verbose=0)
    assert all(not torch.equal(a, b) for a, b in zip(before, model.trainable_weights))
