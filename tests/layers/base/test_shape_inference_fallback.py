"""Shape inference is never the reason a valid Keras program fails (issue 28): custom
layers the meta device cannot trace -- ``ops.tile`` with tensor repeats (``.item()`` on
a meta tensor), ``add_weight(name=...)`` kept under another attribute name (tied
keys), a sublayer called twice in one ``call()`` (cpu/meta mix), a nested Sequential
on a variable-length input -- plus Keras 3's ``add_weight(shape=...)`` /
``add_weight((3, 2))`` and ``(N, 28, 28)`` data into ``Input((28, 28, 1))``. Each
program is written once and run with ``keras = nnlab`` and with Keras 3 (the dev
oracle): parameter counts and output shapes agree.
"""
import numpy as np
import pytest
import torch

import nnlab
from nnlab import layers


def tile_layer(keras):
    """A class token tiled with tensor repeats (``.item()`` on meta)."""
    ops = keras.ops

    class ClassToken(keras.layers.Layer):
        def build(self, input_shape):
            self.cls = self.add_weight(shape=(1, 1, input_shape[-1]), initializer="zeros",
                                       name="cls")

        def call(self, x):
            tiled = ops.tile(self.cls, ops.convert_to_tensor([1, 1, 1]))
            tiled = ops.broadcast_to(tiled, (ops.shape(x)[0], 1, ops.shape(x)[-1]))
            return ops.concatenate([tiled, x], axis=1)

    inputs = keras.Input((4, 8))
    model = keras.Model(inputs, ClassToken()(inputs))
    return model.predict(np.ones((3, 4, 8), "float32"), verbose=0).shape


def tied_name(keras):
    """``self.w = self.add_weight(..., name="kernel")``: two keys for one weight."""

    class Linear(keras.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                     initializer="random_normal", trainable=True,
                                     name="kernel")
            self.b = self.add_weight(shape=(self.units,), initializer="zeros",
                                     trainable=True, name="bias")

        def call(self, x):
            return keras.ops.matmul(x, self.w) + self.b

    inputs = keras.Input((4,))
    model = keras.Model(inputs, Linear(3)(inputs))
    return model.count_params(), model.predict(np.ones((2, 4), "float32"), verbose=0).shape


def twice(keras):
    """A sublayer built lazily in ``call`` and called twice there."""

    class Twice(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = keras.layers.Dense(8)

        def call(self, x):
            return self.dense(x) + self.dense(x)

    inputs = keras.Input((8,))
    model = keras.Model(inputs, Twice()(inputs))
    return model.count_params(), model.predict(np.ones((2, 8), "float32"), verbose=0).shape


def nested_seq(keras):
    """A Sequential without Input inside a layer, on a variable-length sequence."""

    class FFN(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.ffn = keras.Sequential([keras.layers.Dense(16, activation="relu"),
                                         keras.layers.Dense(8)])
            self.norm = keras.layers.LayerNormalization()

        def call(self, x):
            return self.norm(x + self.ffn(x))

    inputs = keras.Input((None, 8))
    model = keras.Model(inputs, FFN()(inputs))
    return model.count_params(), model.predict(np.ones((2, 11, 8), "float32"),
                                               verbose=0).shape


def add_weight_positional(keras):
    """Keras 3's ``add_weight((3, 2))`` and ``add_weight(shape=..., trainable=False)``."""

    class Affine(keras.layers.Layer):
        def build(self, input_shape):
            self.a = self.add_weight((3, 2))
            self.b = self.add_weight(shape=(2,), initializer="zeros", trainable=False,
                                     name="b")

        def call(self, x):
            return keras.ops.matmul(x, self.a) + self.b

    inputs = keras.Input((3,))
    model = keras.Model(inputs, Affine()(inputs))
    return (model.count_params(), len(model.trainable_weights),
            len(model.non_trainable_weights),
            model.predict(np.ones((2, 3), "float32"), verbose=0).shape)


def add_axis(keras):
    """MNIST as ``(N, 28, 28)`` into ``Input((28, 28, 1))``: Keras adds the axis."""
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(2, 3),
                              keras.layers.Flatten(), keras.layers.Dense(3)])
    model.compile("adam", "sparse_categorical_crossentropy")
    x, y = np.zeros((8, 28, 28), "float32"), np.zeros((8,), "int64")
    model.fit(x, y, verbose=0, epochs=1)
    return model.predict(x, verbose=0).shape, np.ndim(model.evaluate(x, y, verbose=0))


PROGRAMS = [tile_layer, tied_name, twice, nested_seq, add_weight_positional, add_axis]


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_runs_in_nnlab(program):
    program(nnlab)


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_same_as_keras(program):
    keras = pytest.importorskip("keras")
    assert program(nnlab) == program(keras)


class _Counting(layers.Layer):
    """Reads a value back (``.item()``): untraceable on meta; counts its calls in a buffer."""

    def build(self, input_shape):
        self.calls = self.add_weight(shape=(), initializer="zeros", trainable=False)

    def call(self, x):
        self.calls.add_(1)
        n = int(nnlab.ops.convert_to_tensor([2]).sum().item())
        return nnlab.ops.tile(x, [1, n])


def test_fallback_runs_on_real_tensors_and_restores_buffers():
    layer = _Counting()
    out = layer(nnlab.Input((3,)))
    assert out.shape == (None, 6)
    assert float(layer.calls) == 0.0  # the real probe's side effect was undone
    assert layer(torch.ones(2, 3)).shape == (2, 6) and float(layer.calls) == 1.0


def test_a_genuine_error_still_reaches_the_user():
    class Bad(layers.Layer):
        def call(self, x):
            return nnlab.ops.matmul(x, torch.ones(5, 2))

    with pytest.raises(RuntimeError, match="cannot be multiplied|size mismatch|shapes"):
        Bad()(nnlab.Input((3,)))


class _Named(layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 2), regularizer="l2")
        self.steps = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                     dtype="int64")
        self.b = self.add_weight((2,), "zeros")

    def call(self, x):
        return x @ self.w + self.b


def test_add_weight_keras3_signature_names_after_the_attribute():
    layer = _Named()
    layer(torch.ones(4, 3))
    assert list(dict(layer.named_parameters())) == ["w", "b"]
    assert layer.steps.dtype == torch.int64 and "steps" in dict(layer.named_buffers())
    assert float(layer.regularization_loss().detach()) > 0  # the penalty followed "variable" -> "w"
    assert [v.shape for v in layer.trainable_variables] == [(3, 2), (2,)]


def test_add_weight_bad_arguments_name_the_layer():
    layer = layers.Layer(name="mine")
    with pytest.raises(TypeError, match="'mine'.*'initialiser'"):
        layer.add_weight(shape=(2,), initialiser="zeros")
    with pytest.raises(TypeError, match="'mine'.*'shape' twice"):
        layer.add_weight((2,), shape=(3,))
    with pytest.raises(TypeError, match="'mine'.*trainable=False"):
        layer.add_weight(shape=(2,), dtype="int32")
    with pytest.raises(NotImplementedError, match="'mine'.*constraint"):
        layer.add_weight(shape=(2,), constraint=lambda w: w)
    layer.add_weight("kernel", (2, 3), "ones")  # nnlab's own positional form stays
    assert float(layer.kernel.detach().sum()) == 6.0


def test_rank_adjusted_as_keras_for_functional_inputs():
    inputs = nnlab.Input((28, 28, 1))
    model = nnlab.Model(inputs, layers.Flatten()(inputs))
    assert model.predict(np.zeros((2, 28, 28), "float32"), verbose=0).shape == (2, 784)
    with pytest.raises(Exception, match="expects shape"):
        model.predict(np.zeros((2, 28, 27), "float32"), verbose=0)


def keras2_members(keras):
    """``layer.output_shape`` (Keras 2, the lectures), ``trainable_variables``, and
    ``dtype`` in a custom layer's ``get_config()``."""

    class Scale(keras.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            config = super().get_config()
            config.update(factor=self.factor)
            return config

    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(4, 3),
                              keras.layers.Flatten(), Scale(), keras.layers.Dense(3)])
    config = model.layers[2].get_config()
    rebuilt = Scale.from_config(config)
    return (len(model.trainable_variables), "dtype" in config, rebuilt.factor,
            sorted(config))


def test_keras_members_as_keras():
    keras = pytest.importorskip("keras")
    assert keras2_members(nnlab) == keras2_members(keras)


def test_output_shape_of_a_called_layer_is_keras_2s():
    model = nnlab.Sequential([nnlab.Input((28, 28, 1)), layers.Conv2D(4, 3), layers.Flatten()])
    assert [layer.output_shape for layer in model.layers] == [(None, 26, 26, 4), (None, 2704)]
    assert not hasattr(layers.Dense(3), "output_shape")  # never called: none, as in Keras 2
