"""docs/transfer_learning.md's two recipes in miniature, on sklearn's bundled digits (seconds):
a small base is pretrained on 10-way digit recognition (the first 1,000 images), then
reused for a new task, odd versus even, learnt from 20 labelled images of the other 797.

1. features into scikit-learn: the base's 32-number outputs beat raw pixels;
2. warm up a new head on the frozen base, then unfreeze and fine-tune at a lower rate.
"""
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

import nnlab
from nnlab.layers import Dense


@pytest.fixture(scope="module")
def task():
    d = load_digits()
    x, y = (d.data / 16.0).astype("float32"), d.target
    nnlab.set_seed(0)
    base = nnlab.Sequential([Dense(64, input_shape=(64,), activation="relu"),
                             Dense(32, activation="relu")])
    pretrain = nnlab.Sequential([base, Dense(10, activation="softmax")])
    pretrain.compile(nnlab.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                     metrics=["accuracy"])
    acc = pretrain.fit(x[:1000], y[:1000], epochs=5, batch_size=64, verbose=0)
    assert acc.history["accuracy"][-1] > 0.95     # 0.97
    xt, yt = x[1000:], y[1000:] % 2               # the new task: odd or even
    train = np.concatenate([np.where(yt == c)[0][:10] for c in (0, 1)])   # 20 labels
    test = np.setdiff1d(np.arange(len(xt)), train)
    return base, xt[train], yt[train], xt[test], yt[test]


def test_features_into_scikit_learn(task):
    base, x_tr, y_tr, x_te, y_te = task
    f_tr, f_te = base.predict(x_tr, verbose=0), base.predict(x_te, verbose=0)
    assert f_tr.shape == (20, 32)
    on_features = LogisticRegression(max_iter=2000).fit(f_tr, y_tr).score(f_te, y_te)
    on_pixels = LogisticRegression(max_iter=2000).fit(x_tr, y_tr).score(x_te, y_te)
    # measured: 0.914 on the features, 0.808 on the 64 raw pixels
    assert on_features > 0.88 and on_features > on_pixels + 0.05, (on_features, on_pixels)


def test_warm_up_the_head_then_fine_tune_at_a_lower_rate(task):
    base, x_tr, y_tr, x_te, y_te = task
    pretrained = base.get_weights()
    base.trainable = False
    inputs = nnlab.Input((64,))
    model = nnlab.Model(inputs, Dense(2, activation="softmax", name="head")(base(inputs)))
    model.compile(nnlab.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    head = model.get_layer("head").get_weights()
    warm = model.fit(x_tr, y_tr, epochs=20, batch_size=16, verbose=0,
                     validation_data=(x_te, y_te)).history["val_accuracy"][-1]
    # step 1: only the new head learnt; the pretrained base is untouched
    assert all(np.array_equal(a, b) for a, b in zip(base.get_weights(), pretrained))
    assert not np.array_equal(model.get_layer("head").get_weights()[0], head[0])
    assert warm > 0.85                                   # 0.893

    base.trainable = True                                # step 2: unfreeze, 10x lower rate
    model.compile(nnlab.optimizers.Adam(1e-3), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])                  # recompile after (un)freezing
    tuned = model.fit(x_tr, y_tr, epochs=10, batch_size=16, verbose=0,
                      validation_data=(x_te, y_te)).history["val_accuracy"][-1]
    assert model.compiled.optimizer.param_groups[0]["lr"] == pytest.approx(1e-3)
    assert any(not np.array_equal(a, b) for a, b in zip(base.get_weights(), pretrained))
    assert tuned >= warm                                 # 0.910 after fine-tuning
