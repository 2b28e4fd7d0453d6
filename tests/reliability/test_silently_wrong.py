"""fit results that used to be silently wrong (issue 27), each checked against what
Keras does: a dict of targets matched by output name, validation sample weights,
``steps_per_epoch`` on in-memory arrays."""
import warnings

import numpy as np
import pytest
import torch

import nnlab
from nnlab.callbacks import LambdaCallback
from nnlab.layers import Dense, Input


def _two_heads():
    nnlab.set_seed(0)
    inp = Input((4,))
    model = nnlab.Model(inp, [Dense(1, name="price")(inp), Dense(1, name="rating")(inp)])
    model.compile("sgd", {"price": "mse", "rating": "mse"})
    return model


def _data(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    return x, (x[:, :1] * 100).astype("float32"), (x[:, 1:2] - 3).astype("float32")


def _one_head():
    nnlab.set_seed(0)
    model = nnlab.Sequential([Dense(1, input_shape=(4,))])
    model.compile("sgd", "mse")
    return model


def _counting(steps):
    return LambdaCallback(on_train_batch_end=lambda batch, logs: steps.append(batch))


def _weights(model):
    return [p.detach().clone() for p in model.parameters()]


def test_a_dict_of_targets_is_matched_by_output_name_not_by_order():
    x, price, rating = _data()
    by_list = _two_heads()
    by_list.fit(x, [price, rating], epochs=2, batch_size=8, shuffle=False, verbose=0)
    by_name = _two_heads()
    h = by_name.fit(x, {"rating": rating, "price": price}, epochs=2, batch_size=8,
                    shuffle=False, verbose=0,
                    validation_data=(x, {"rating": rating, "price": price}))
    for a, b in zip(_weights(by_list), _weights(by_name)):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    lists = by_list.evaluate(x, [price, rating], verbose=0, return_dict=True)
    names = by_name.evaluate(x, {"rating": rating, "price": price}, verbose=0,
                             return_dict=True)
    assert lists["loss"] == pytest.approx(names["loss"], rel=1e-6)
    assert h.history["val_loss"][-1] == pytest.approx(names["loss"], rel=1e-5)


def test_a_misspelt_or_missing_target_name_is_refused_before_training():
    x, price, rating = _data()
    model = _two_heads()
    before = _weights(model)
    with pytest.raises(ValueError, match=r"unknown output name.*'ratng'.*price.*rating"):
        model.fit(x, {"price": price, "ratng": rating}, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"no targets for output.*rating"):
        model.fit(x, {"price": price}, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="validation_data's y: unknown"):
        model.fit(x, {"price": price, "rating": rating}, epochs=1, verbose=0,
                  validation_data=(x, {"prices": price, "rating": rating}))
    for a, b in zip(before, _weights(model)):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_a_dict_output_model_takes_targets_keyed_like_its_outputs():
    x, price, rating = _data()
    nnlab.set_seed(0)
    inp = Input((4,))
    model = nnlab.Model(inp, {"r": Dense(1, name="rating")(inp), "p": Dense(1, name="price")(inp)})
    model.compile("sgd", "mse")
    a = model.evaluate(x, {"p": price, "r": rating}, verbose=0)
    b = model.evaluate(x, [rating, price], verbose=0)
    assert a == pytest.approx(b, rel=1e-6)


def test_validation_sample_weights_weight_the_validation_loss():
    model = _one_head()
    x, price, _ = _data()
    w = np.zeros(len(x), "float32")
    w[:4] = 1.0
    model.fit(x, price, epochs=1, verbose=0, batch_size=32,
              validation_data=(x, price, w))
    weighted = model.evaluate(x, price, sample_weight=w, verbose=0)
    plain = model.evaluate(x, price, verbose=0)
    h = model.fit(x, price, epochs=1, verbose=0, batch_size=32, validation_data=(x, price, w))
    expected = model.evaluate(x, price, sample_weight=w, verbose=0)
    assert weighted != pytest.approx(plain, rel=1e-3)
    assert h.history["val_loss"][0] == pytest.approx(expected, rel=1e-6)


def _first_features(seen):
    return lambda b: (seen.append(b[:, 0].clone()), b)[1]


def test_steps_per_epoch_on_arrays_runs_that_many_steps_and_walks_the_data():
    model = _one_head()
    x, price, _ = _data(64)
    steps = []
    seen = []
    cb = _counting(steps)
    model.fit(x, price, epochs=3, batch_size=4, steps_per_epoch=4, shuffle=False, verbose=0,
              callbacks=[cb], augment=_first_features(seen))
    assert steps == [0, 1, 2, 3] * 3  # Keras: 4 steps per epoch (was 16)
    # Keras 3 continues the pass: epoch 1 trains samples 16..31, epoch 2 samples 32..47
    torch.testing.assert_close(torch.cat(seen), torch.from_numpy(x[:48, 0]))


def test_steps_per_epoch_beyond_the_data_ends_the_epoch_with_a_warning():
    model = _one_head()
    x, price, _ = _data(16)
    steps = []
    cb = _counting(steps)
    with pytest.warns(UserWarning, match="ran out"):
        model.fit(x, price, epochs=2, batch_size=4, steps_per_epoch=6, verbose=0,
                  callbacks=[cb])
    assert steps == [0, 1, 2, 3] * 2


def _spe_run(ckpt, epochs):
    model = _one_head()
    x, price, _ = _data(64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(x, price, epochs=epochs, batch_size=4, steps_per_epoch=3, verbose=0,
                  checkpoint_dir=ckpt)
    return model


def test_steps_per_epoch_resumes_in_the_same_pass(tmp_path):
    whole = _spe_run(None, 8)
    _spe_run(str(tmp_path / "ck"), 3)
    resumed = _spe_run(str(tmp_path / "ck"), 8)
    for a, b in zip(_weights(whole), _weights(resumed)):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
