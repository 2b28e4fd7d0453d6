"""Inputs that used to crash, mislead or be refused although valid (issue 27)."""
import os

import numpy as np
import pytest
import torch

import nnlab
from nnlab.layers import Dense


def _model():
    nnlab.set_seed(0)
    model = nnlab.Sequential([Dense(1, input_shape=(4,))])
    model.compile("sgd", "mse")
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(8, 4)).astype("float32"), rng.normal(size=(8, 1)).astype("float32")


def test_nan_in_sample_weight_is_refused_up_front():
    x, y = _data()
    w = np.ones(8, "float32")
    w[3] = np.nan
    model = _model()
    before = [p.detach().clone() for p in model.parameters()]
    with pytest.raises(ValueError, match=r"sample_weight contains NaN or inf \(first at "
                                         r"index \[3\]\)"):
        model.fit(x, y, sample_weight=w, epochs=1, verbose=0)
    for a, b in zip(before, model.parameters()):
        torch.testing.assert_close(a, b.detach(), rtol=0, atol=0)


def test_numpy_sample_weights_from_a_generator_weight_the_loss():
    x, y = _data()

    def batches(weights):
        for i in range(0, 8, 4):
            yield x[i:i + 4], y[i:i + 4], weights[i:i + 4]
    ones, halves = _model(), _model()
    ones.fit(batches(np.ones(8, "float32")), epochs=1, verbose=0)
    halves.fit(batches(np.full(8, 0.5, "float32")), epochs=1, verbose=0)
    first = next(ones.parameters()).detach()
    assert not torch.equal(first, next(halves.parameters()).detach())
    bad = np.ones(8, "float32")
    bad[5] = np.inf
    with pytest.raises(ValueError, match=r"sample_weight \(batch 2 of the data source\) "
                                         r"contains NaN or inf"):
        _model().fit(batches(bad), epochs=1, verbose=0)


def test_a_long_but_valid_file_name_can_be_saved(tmp_path):
    name = "m" * 240 + ".nnlab"  # 246 characters: valid (the limit is 255)
    path = str(tmp_path / name)
    model = _model()
    model.save(path)
    model.save(path)  # over an existing file too
    assert os.listdir(tmp_path) == [name]
    loaded = nnlab.load_model(path)
    x, _ = _data()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
