"""Defect 1: direct calls run inference (Keras), model.train() opts into torch's rule."""
import numpy as np
import torch
from torch import nn

import nnlab
from nnlab import layers


def _model():
    return nnlab.Sequential([layers.Dense(8, input_shape=(4,)), layers.BatchNormalization(),
                             layers.Dropout(0.5), layers.Dense(2)])


def _x():
    return np.random.default_rng(0).normal(2.0, 3.0, size=(16, 4)).astype("float32")


def test_fresh_model_called_on_data_equals_predict_and_keeps_moving_stats():
    nnlab.set_seed(0)
    model, x = _model(), _x()
    bn = model.layers[1]
    out = model(x).detach().numpy()
    np.testing.assert_allclose(out, model.predict(x, verbose=0), atol=1e-6)
    np.testing.assert_allclose(model(x).detach().numpy(), out, atol=0)  # no dropout noise
    assert torch.equal(bn.moving_mean, torch.zeros(8))
    assert torch.equal(bn.moving_variance, torch.ones(8))
    assert layers.Dropout(0.5)(torch.ones(4, 4)).eq(1).all()


def test_training_true_applies_dropout_and_updates_stats_for_one_call():
    nnlab.set_seed(0)
    model, x = _model(), _x()
    model(x)  # build
    model(x, training=True)
    assert not torch.equal(model.layers[1].moving_mean, torch.zeros(8))
    assert not model.training
    assert (layers.Dropout(0.5)(torch.ones(64, 64), training=True) == 0).any()


def test_fit_trains_in_training_mode_then_direct_calls_are_inference_again():
    nnlab.set_seed(0)
    model, x = _model(), _x()
    model.compile("sgd", "mse")
    model.fit(x, np.zeros((16, 2), "float32"), epochs=1, verbose=0)
    assert not torch.equal(model.layers[1].moving_mean, torch.zeros(8))  # fit trained BN
    assert not model.training
    np.testing.assert_allclose(model(x).detach().numpy(), model.predict(x, verbose=0), atol=1e-6)
    model.train_on_batch(x, np.zeros((16, 2), "float32"))
    assert not model.training


def test_explicit_train_opts_into_torch_semantics_until_eval():
    nnlab.set_seed(0)
    model, x = _model(), _x()
    model(x)
    model.train()
    a, b = model(x), model(x)
    assert not torch.equal(a, b)  # dropout active
    assert not torch.equal(model.layers[1].moving_mean, torch.zeros(8))
    model.compile("sgd", "mse")
    model.fit(x, np.zeros((16, 2), "float32"), epochs=1, verbose=0)
    assert model.training  # fit restores the mode the user chose
    model.eval()
    np.testing.assert_allclose(model(x).detach().numpy(), model.predict(x, verbose=0), atol=1e-6)


def test_plain_torch_submodule_follows_its_owner():
    class Custom(layers.Layer):
        def __init__(self):
            super().__init__()
            self.drop = nn.Dropout(0.5)

        def call(self, x):
            return self.drop(x)

    layer = Custom()
    assert layer(torch.ones(8, 8)).eq(1).all()
    layer.train()
    assert (layer(torch.ones(64, 64)) == 0).any()
