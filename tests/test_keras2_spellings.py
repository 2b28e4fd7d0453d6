"""Keras 2 spellings from lecture code: SGD(lr=, decay=), Adadelta, fit_generator and friends,
layers.merge.add; each warns once naming the Keras 3 form and does what Keras 2 did."""
import warnings

import numpy as np
import pytest
import torch

import nnlab
from nnlab import _deprecation
from nnlab.layers import Dense, Input
from nnlab.optimizers import SGD, Adadelta


@pytest.fixture(autouse=True)
def _fresh_warnings():
    _deprecation._WARNED.clear()


def test_lr_is_learning_rate_and_warns_once():
    with pytest.warns(DeprecationWarning, match=r"SGD\(learning_rate=...\)"):
        opt = SGD(lr=0.05, momentum=0.9)
    assert opt.learning_rate == 0.05 and opt.momentum == 0.9
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SGD(lr=0.1)
    with pytest.raises(TypeError, match="not both"):
        SGD(0.1, lr=0.2)
    with pytest.warns(DeprecationWarning, match="Adam"):
        assert nnlab.optimizers.Adam(lr=0.003).learning_rate == 0.003


def test_decay_is_keras2_inverse_time_schedule():
    with pytest.warns(DeprecationWarning, match="InverseTimeDecay"):
        opt = SGD(lr=0.1, decay=0.5)
    assert [opt.schedule(t) for t in (0, 1, 2)] == pytest.approx([0.1, 0.1 / 1.5, 0.05])


def test_adadelta_matches_keras():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    y = rng.normal(size=(32, 1)).astype("float32")
    km = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    km.compile(keras.optimizers.Adadelta(learning_rate=1.0), "mse")
    ours = nnlab.Sequential([Dense(1, input_shape=(4,))])
    ours.compile(Adadelta(learning_rate=1.0), "mse")
    kernel, bias = km.get_weights()
    with torch.no_grad():
        ours.layers[0].kernel.copy_(torch.from_numpy(kernel.T))
        ours.layers[0].bias.copy_(torch.from_numpy(bias))
    ref = km.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0).history["loss"]
    got = ours.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(got, ref, rtol=1e-5)


def test_generator_methods_warn_and_run():
    x = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    y = (x.sum(1) > 0).astype("int64")

    def batches():
        while True:
            for i in range(0, 40, 10):
                yield x[i:i + 10], y[i:i + 10]

    model = nnlab.Sequential([Dense(2, input_shape=(3,), activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    with pytest.warns(DeprecationWarning, match=r"Keras 3 uses model.fit\(gen"):
        hist = model.fit_generator(batches(), steps_per_epoch=4, epochs=2, verbose=0,
                                   workers=4, use_multiprocessing=True)
    assert len(hist.history["loss"]) == 2
    with pytest.warns(DeprecationWarning, match="model.evaluate"):
        loss, acc = model.evaluate_generator(batches(), steps=4)
    with pytest.warns(DeprecationWarning, match="model.predict"):
        pred = model.predict_generator((xb for xb, _ in batches()), steps=4)
    assert pred.shape == (40, 2) and 0 <= acc <= 1 and np.isfinite(loss)


def test_layers_merge_module_path():
    a, b = Input((3,)), Input((3,))
    with pytest.warns(DeprecationWarning, match="keras.layers.add"):
        out = nnlab.layers.merge.add([a, b])
    assert out.shape == (None, 3)
    with pytest.raises(AttributeError, match="merge layers are"):
        nnlab.layers.merge.sum  # noqa: B018
