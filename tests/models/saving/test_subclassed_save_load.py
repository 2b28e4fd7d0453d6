"""A trained subclassed ``nnlab.Model`` saved with ``model.save`` comes back with
``load_model(path, custom_objects=...)``: the build input shape is saved (Keras 3's
``build_config``) and the model is built with it before the weights load (issue 26,
break 4)."""
import json

import numpy as np
import pytest

import nnlab
from nnlab import layers as L
from nnlab.errors import ConfigError
from nnlab.models.saving.file_format import read_header


class SmallNet(nnlab.Model):
    """Conv2D(activation='relu') -> Flatten -> Dense(units), all made in __init__."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.conv = L.Conv2D(4, 3, activation="relu")
        self.flat = L.Flatten()
        self.head = L.Dense(units)

    def call(self, x):
        return self.head(self.flat(self.conv(x)))


class TwoInputs(nnlab.Model):
    """Two inputs of different widths, concatenated after their own Dense."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.a, self.b, self.out = L.Dense(4), L.Dense(4), L.Dense(2)

    def call(self, inputs):
        a, b = inputs
        return self.out(nnlab.ops.concatenate([self.a(a), self.b(b)], axis=-1))


def test_trained_subclassed_model_reloads_with_equal_predictions_and_trains_on(tmp_path):
    nnlab.set_seed(0)
    rng = np.random.default_rng(0)
    x, y = rng.random((16, 8, 8, 3), dtype=np.float32), rng.integers(0, 3, 16)
    model = SmallNet()
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "net.nnlab")
    config = json.loads(read_header(str(tmp_path / "net.nnlab"))["__metadata__"]["config"])
    assert config["build_config"] == {"input_shape": [None, 8, 8, 3]}
    back = nnlab.load_model(tmp_path / "net.nnlab", custom_objects={"SmallNet": SmallNet})
    assert isinstance(back, SmallNet) and back.count_params() == model.count_params() == \
        (3 * 3 * 3 * 4 + 4) + (6 * 6 * 4 * 3 + 3)
    np.testing.assert_array_equal(back.predict(x, verbose=0), model.predict(x, verbose=0))
    for a, b in zip(back.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    back.compile("adam", "sparse_categorical_crossentropy")
    before = back.get_weights()[0].copy()
    back.fit(x, y, epochs=1, batch_size=8, verbose=0)
    assert not np.allclose(back.get_weights()[0], before)


def test_subclassed_model_with_two_inputs_reloads(tmp_path):
    nnlab.set_seed(1)
    rng = np.random.default_rng(1)
    xa, xb = rng.random((5, 3), dtype=np.float32), rng.random((5, 6), dtype=np.float32)
    model = TwoInputs()
    expected = model.predict([xa, xb], verbose=0)
    model.save(tmp_path / "two.nnlab")
    back = nnlab.load_model(tmp_path / "two.nnlab", custom_objects={"TwoInputs": TwoInputs})
    np.testing.assert_array_equal(back.predict([xa, xb], verbose=0), expected)


def test_an_unbuilt_subclassed_model_still_says_it_has_no_weights(tmp_path):
    model = SmallNet()                     # never called: nothing to save but the config
    model.save(tmp_path / "empty.nnlab")
    back = nnlab.load_model(tmp_path / "empty.nnlab", custom_objects={"SmallNet": SmallNet})
    assert back.count_params() == 0 and not back.head.built


def test_a_malformed_build_config_is_refused():
    from nnlab.layers.base.config_values import layer_from_config
    with pytest.raises(ValueError, match=r"build_config input_shape: expected a shape"):
        layer_from_config({"class_name": "SmallNet", "config": {"units": 3},
                           "build_config": {"input_shape": "8x8x3"}},
                          {"SmallNet": SmallNet})
    with pytest.raises(ConfigError, match=r"build_config of layer class 'SmallNet' must be"):
        layer_from_config({"class_name": "SmallNet", "config": {"units": 3},
                           "build_config": [None, 8, 8, 3]}, {"SmallNet": SmallNet})
