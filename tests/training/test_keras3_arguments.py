"""Keras 3 arguments: mish, LeakyReLU(alpha=) (deprecated alias), EarlyStopping(verbose=, baseline=)."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab.callbacks import EarlyStopping
from nnlab.layers import Dense, LeakyReLU


def test_mish_matches_keras():
    keras = pytest.importorskip("keras")
    x = torch.linspace(-5, 5, 41)
    ours = nnlab.activations.get("mish")(x)
    np.testing.assert_allclose(ours.numpy(), np.asarray(keras.activations.mish(x.numpy()).cpu()),
                               rtol=1e-5, atol=1e-6)


def test_leaky_relu_alpha_is_a_deprecated_alias():
    from nnlab import _deprecation
    _deprecation._WARNED.discard("LeakyReLU.alpha")
    with pytest.warns(DeprecationWarning, match="negative_slope"):
        layer = LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1
    assert layer(torch.tensor([-2.0, 3.0])).tolist() == pytest.approx([-0.2, 3.0])
    assert LeakyReLU().negative_slope == 0.3


def _fit(callback, epochs=8):
    x = np.linspace(-1, 1, 64, dtype="float32")[:, None]
    model = nnlab.Sequential([Dense(1, input_shape=(1,))])
    model.compile(nnlab.optimizers.SGD(1e-6), "mse")
    return model.fit(x, x, validation_data=(x, x), epochs=epochs, verbose=0,
                     callbacks=[callback])


def test_early_stopping_verbose_prints_like_keras(capsys):
    stop = EarlyStopping(monitor="val_loss", patience=2, verbose=1, restore_best_weights=True,
                         min_delta=1.0)  # no later epoch improves by 1.0
    history = _fit(stop)
    assert len(history.history["loss"]) == 3
    out = capsys.readouterr().out
    assert "Epoch 3: early stopping" in out
    assert "Restoring model weights from the end of the best epoch: 1." in out
    _fit(EarlyStopping(monitor="val_loss", patience=2, min_delta=1.0))
    assert "early stopping" not in capsys.readouterr().out


def test_early_stopping_baseline_keeps_counting_until_beaten():
    stop = EarlyStopping(monitor="val_loss", patience=2, baseline=-1.0, min_delta=0.0)
    history = _fit(stop)
    assert len(history.history["loss"]) == 2  # the first epoch improves on inf, not on -1
