"""``compile(loss=[fn, None])``: a ``None`` loss leaves that output untrained (Keras 3),
and ``fit``/``evaluate`` take the trained outputs' targets alone -- checked against
Keras 3 (torch backend, dev-only oracle) on the same weights and data."""
import numpy as np
import pytest

import nnlab

RNG = np.random.default_rng(0)
X = RNG.random((16, 4)).astype("float32")
Y = RNG.random((16, 3)).astype("float32")
Y2 = RNG.random((16, 2)).astype("float32")


@pytest.fixture(scope="module")
def keras():
    """Keras 3 on the torch backend (dev-only oracle)."""
    return pytest.importorskip("keras")


def two_heads(lib):
    inp = lib.Input((4,))
    a = lib.layers.Dense(3, name="a")(inp)
    b = lib.layers.Dense(2, name="b")(inp)
    return lib.Model(inp, [a, b])


def same_weights(ours, theirs):
    for layer in ("a", "b"):
        ours.get_layer(layer).set_weights(theirs.get_layer(layer).get_weights())


@pytest.mark.parametrize("targets", ["array", "list", "list_with_none"])
def test_none_loss_trains_like_keras(keras, targets):
    y = {"array": Y, "list": [Y], "list_with_none": [Y, None]}[targets]
    theirs, ours = two_heads(keras), two_heads(nnlab)
    same_weights(ours, theirs)
    b_before = ours.get_layer("b").get_weights()[0].copy()
    for model in (theirs, ours):
        model.compile(optimizer=model_optimizer(model), loss=["mse", None])
    h_theirs = theirs.fit(X, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    h_ours = ours.fit(X, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(h_ours["loss"], h_theirs["loss"], rtol=1e-5)
    assert set(h_ours) == set(h_theirs) == {"loss"}
    np.testing.assert_allclose(ours.evaluate(X, y, verbose=0),
                               theirs.evaluate(X, y, verbose=0), rtol=1e-5)
    np.testing.assert_allclose(ours.predict(X)[0], theirs.predict(X, verbose=0)[0],
                               rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(ours.get_layer("b").get_weights()[0], b_before)


def model_optimizer(model):
    lib = nnlab if isinstance(model, nnlab.Model) else __import__("keras")
    return lib.optimizers.SGD(learning_rate=0.1)


def test_metrics_of_an_untrained_output_need_its_targets(keras):
    """Keras logs ``b_mae`` when b's targets are given and leaves it out otherwise (a
    fresh compile each time: Keras then reports a stale ``b_mae`` of 0.0, nnlab none)."""
    theirs, ours = two_heads(keras), two_heads(nnlab)
    same_weights(ours, theirs)
    for y in ([Y, Y2], Y):
        for model in (theirs, ours):
            model.compile(optimizer=model_optimizer(model), loss=["mse", None],
                          metrics={"b": "mae"})
        want = theirs.evaluate(X, y, verbose=0, return_dict=True)
        got = ours.evaluate(X, y, verbose=0, return_dict=True)
        assert set(got) == set(want)
        np.testing.assert_allclose([got[k] for k in want], list(want.values()), rtol=1e-5)
    for model in (theirs, ours):  # fit's History likewise
        model.compile(optimizer=model_optimizer(model), loss=["mse", None],
                      metrics={"b": "mae"})
    assert set(ours.fit(X, Y, epochs=1, verbose=0).history) == \
        set(theirs.fit(X, Y, epochs=1, verbose=0).history) == {"loss"}


def test_second_output_trained_and_targets_by_name():
    """Beyond Keras (which gives a lone target to the first output and fails): the lone
    target goes to the one trained output; a dict may leave an untrained output out."""
    model = two_heads(nnlab)
    model.compile(optimizer="sgd", loss=[None, "mse"])
    a_before = model.get_layer("a").get_weights()[0].copy()
    assert np.isfinite(model.fit(X, Y2, epochs=1, verbose=0).history["loss"][0])
    np.testing.assert_array_equal(model.get_layer("a").get_weights()[0], a_before)
    assert np.isfinite(model.evaluate(X, {"b": Y2}, verbose=0))


def test_missing_targets_of_a_trained_output_are_named():
    model = two_heads(nnlab)
    model.compile(optimizer="sgd", loss=["mse", None])
    with pytest.raises(ValueError, match="no targets for output 'a'"):
        model.fit(X, [None, Y2], epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"1 trained: \['a'\]"):
        model.fit(X, [Y, Y2, Y], epochs=1, verbose=0)
