"""Defect 7: late or raw errors made early and clear (before any optimizer step)."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab.layers import Conv2D, Dense, Embedding, Flatten
from nnlab.callbacks import TerminateOnNaN

RNG = np.random.default_rng(0)
X = RNG.random((24, 4)).astype("float32")
Y = RNG.integers(0, 3, 24)


def _clf(metrics=None, loss="sparse_categorical_crossentropy", units=3, act="softmax"):
    model = nnlab.Sequential([Dense(8, input_shape=(4,), activation="relu"),
                              Dense(units, activation=act)])
    model.compile("sgd", loss, metrics=metrics)
    return model


def _gen(first_y):
    for i in range(4):
        yield X[:6], (first_y if i == 0 else Y[:6])


def _untouched(model, fn, exc, match):
    model.build((None, 4)) if not model.built else None
    before = [p.detach().clone() for p in model.parameters()]
    with pytest.raises(exc, match=match):
        fn(model)
    assert model.compiled.iterations == 0
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


CASES = [
    ("labels from a generator", lambda m: m.fit(_gen(np.array([0, 1, 7, 2, 0, 1])), verbose=0),
     ValueError, r"labels for output 'output' must be in \[0, 3\).*found 7"),
    ("categorical_accuracy on sparse labels", None, ValueError,
     r"metric 'categorical_accuracy'.*integer labels.*sparse_categorical_accuracy"),
    ("multi-class AUC", None, ValueError, r"metric 'auc'.*binary metric.*3 classes"),
    ("sample_weight length", lambda m: m.fit(X, Y, sample_weight=np.ones(7), verbose=0),
     ValueError, r"sample_weight must hold one weight per sample: expected length 24, got "
                 r"shape \(7,\)"),
    ("strings for x", lambda m: m.fit(np.array([["a"] * 4] * 24), Y, verbose=0), TypeError,
     r"x holds strings \(numpy dtype <U1"),
    ("ragged list for x", lambda m: m.fit([[1.0, 2.0, 3.0, 4.0], [1.0]], [0, 1], verbose=0),
     TypeError, r"x is a ragged list \(rows of lengths \[4, 1\]"),
    ("strings for y", lambda m: m.fit(X, np.array(["cat"] * 24), verbose=0), TypeError,
     r"y holds strings"),
    ("NaN from a generator", lambda m: m.fit(iter([(X[:6] * np.nan, Y[:6])]), verbose=0),
     ValueError, r"x \(batch 1 of the data source\) contains NaN"),
]


@pytest.mark.parametrize("name, fit, exc, match", CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_before_the_first_step(name, fit, exc, match):
    metrics = {"categorical_accuracy on sparse labels": ["categorical_accuracy"],
               "multi-class AUC": [nnlab.metrics.AUC()]}.get(name)
    model = _clf(metrics)
    _untouched(model, fit or (lambda m: m.fit(X, Y, verbose=0)), exc, match)


def test_nan_in_a_later_generator_batch_never_reaches_the_weights():
    model = _clf()
    with pytest.raises(ValueError, match=r"y \(batch 3 of the data source\) contains NaN"):
        model.fit(iter([(X[:6], Y[:6]), (X[:6], Y[:6]), (X[:6], Y[:6] * np.nan)]), verbose=0)
    assert model.compiled.iterations == 2
    assert all(bool(torch.isfinite(p).all()) for p in model.parameters())


def test_binary_crossentropy_labels_outside_0_1():
    model = _clf(loss="binary_crossentropy", units=1, act="sigmoid")
    _untouched(model, lambda m: m.fit(X, Y * 2, verbose=0), ValueError,
               r"binary_crossentropy: targets .* must be in \[0, 1\].*found 4")


def test_embedding_ids_out_of_range_anywhere_in_the_data():
    model = nnlab.Sequential([Embedding(5, 2, input_shape=(3,)), Flatten(),
                              Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    ids = np.array([[1, 2, 3]] * 40 + [[1, 9, 2]])  # the bad id is in the last batch
    before = [p.detach().clone() for p in model.parameters()]
    with pytest.raises(ValueError, match=r"'embedding\w*' \(Embedding\) got token id 9"):
        model.fit(ids, np.zeros(41), batch_size=4, verbose=0)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_dense_on_4d_input_with_sparse_loss_names_the_layer_and_suggests_flatten():
    model = nnlab.Sequential([Conv2D(2, 3, input_shape=(6, 6, 1)),
                              Dense(3, activation="softmax", name="head")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"layer 'head'\) has shape \(None, 4, 4, 3\).*Flatten"):
        model.fit(RNG.random((8, 6, 6, 1)), np.zeros(8), verbose=0)


def test_terminate_on_nan_callback_acts_and_restores_the_last_finite_weights():
    """Issue 8 defect 7: TerminateOnNaN() passed as a callback did nothing."""
    x = RNG.random((256, 4)).astype("float32") * 100
    model = nnlab.Sequential([Dense(8, input_shape=(4,)), Dense(1)])
    model.compile(nnlab.optimizers.SGD(learning_rate=10.0), "mse")
    guard = TerminateOnNaN()
    with pytest.warns(RuntimeWarning, match="NaN or inf at epoch 1.*restored to the last finite"):
        hist = model.fit(x, x.sum(1), epochs=5, batch_size=8, verbose=0, callbacks=[guard],
                         terminate_on_nan=False)
    assert guard.nan_epoch == 1 and guard.nan_step is not None
    assert hist.history.get("loss", []) == []  # stopped inside the first epoch
    assert all(bool(torch.isfinite(p).all()) for p in model.parameters())


class _TwoTables(nnlab.Model):
    """keras-io collaborative_filtering_movielens: column 0 -> users, column 1 -> movies."""

    def __init__(self):
        super().__init__()
        self.users = Embedding(4, 3)
        self.movies = Embedding(50, 3)

    def call(self, inputs):
        u, m = self.users(inputs[:, 0]), self.movies(inputs[:, 1])
        return nnlab.ops.sum(u * m, axis=1, keepdims=True)


def test_subclassed_model_sending_columns_to_different_embeddings_is_not_refused():
    ids = np.stack([np.arange(40) % 4, np.arange(40)], axis=1)  # movie ids up to 39 >= 4
    model = _TwoTables()
    model.compile("adam", "mse")
    history = model.fit(ids, np.ones((40, 1), "float32"), batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_functional_inputs_are_checked_against_their_own_embedding():
    users = nnlab.Input((1,), dtype="int64", name="user")
    movies = nnlab.Input((1,), dtype="int64", name="movie")
    u = Embedding(4, 3, name="users")(users)
    m = Embedding(50, 3, name="movies")(movies)
    model = nnlab.Model([users, movies], Dense(1)(Flatten()(u * m)))
    model.compile("adam", "mse")
    u_ids, m_ids, y = np.arange(40)[:, None] % 4, np.arange(40)[:, None], np.ones((40, 1))
    model.fit([u_ids, m_ids], y, batch_size=8, verbose=0)  # movie ids >= 4 are valid
    with pytest.raises(ValueError, match=r"'movies' \(Embedding\) got token id 50"):
        model.fit([u_ids, m_ids + 11], y, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match=r"'users' \(Embedding\) got token id 4"):
        model.fit({"user": u_ids + 1, "movie": m_ids}, y, batch_size=8, verbose=0)
