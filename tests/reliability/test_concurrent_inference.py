"""predict/evaluate from another thread while fit runs used to return logits (the final
softmax is fused into the loss during fit) and switch the training model to inference
mode; now they are refused with a clear error (issue 27, nnlab/training/fit_thread.py).
In the fit's own thread (a callback), after fit, and on a copy they work."""
import copy
import threading

import numpy as np
import pytest

import nnlab
from nnlab.callbacks import LambdaCallback
from nnlab.layers import Dense


def _model():
    nnlab.set_seed(0)
    model = nnlab.Sequential([Dense(8, input_shape=(4,), activation="relu"),
                              Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(64, 4)).astype("float32"), rng.integers(0, 3, 64)


def test_predict_from_another_thread_during_fit_is_refused_not_wrong():
    model = _model()
    x, y = _data()
    results = {}

    def other_thread():
        for what, call in (("predict", lambda: model.predict(x, verbose=0)),
                           ("evaluate", lambda: model.evaluate(x, y, verbose=0)),
                           ("fit", lambda: model.fit(x, y, epochs=1, verbose=0))):
            try:
                results[what] = call()
            except RuntimeError as exc:
                results[what] = exc

    def in_callback(batch, logs):
        if batch == 0 and not results:
            t = threading.Thread(target=other_thread, name="server")
            t.start()
            t.join()
            results["same thread"] = model.predict(x[:2], verbose=0)
            results["copy"] = copy.deepcopy(model)

    model.fit(x, y, epochs=1, batch_size=16, verbose=0,
              callbacks=[LambdaCallback(on_train_batch_begin=in_callback)])
    for what in ("predict", "evaluate", "fit"):
        assert isinstance(results[what], RuntimeError), (what, results[what])
        assert f"{what} on model" in str(results[what])
        assert "'server'" in str(results[what]) and "another thread" in str(results[what])
    np.testing.assert_allclose(results["same thread"].sum(axis=1), 1.0, rtol=1e-5)
    copied = {}
    t = threading.Thread(target=lambda: copied.update(p=results["copy"].predict(x, verbose=0)))
    t.start()
    t.join()
    np.testing.assert_allclose(copied["p"].sum(axis=1), 1.0, rtol=1e-5)  # probabilities
    after = {}
    t = threading.Thread(target=lambda: after.update(p=model.predict(x, verbose=0)))
    t.start()
    t.join()
    np.testing.assert_allclose(after["p"].sum(axis=1), 1.0, rtol=1e-5)


def test_a_failed_fit_releases_the_model():
    model = _model()
    x, y = _data()
    with pytest.raises(ValueError):
        model.fit(x, y[:10], epochs=1, verbose=0)
    out = {}
    t = threading.Thread(target=lambda: out.update(p=model.predict(x, verbose=0)))
    t.start()
    t.join()
    assert out["p"].shape == (64, 3)
