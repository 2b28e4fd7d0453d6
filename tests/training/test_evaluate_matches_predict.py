"""Property: after ``fit``, ``evaluate``'s metric equals the metric computed by hand from
``predict`` -- for random Dense models (logits or softmax/sigmoid heads), metrics given
as strings, classes and objects, and labels of several shapes and dtypes (issue 28: a
Metric object given to ``compile`` kept the training counts and ``evaluate`` mixed them
into its figure, 0.219 where ``predict`` agreed with 0.375 of the labels).

A seeded random loop (fast, reproducible): each case draws a model, a metric spelling,
a label layout and a dtype.
"""
import numpy as np
import pytest

import nnlab as keras

CASES = 16


def _spelling(rng, kind: str):
    """A metric for ``kind`` ("sparse", "onehot", "binary") as a string, class or object."""
    names = {"sparse": ("accuracy", "sparse_categorical_accuracy",
                        keras.metrics.SparseCategoricalAccuracy,
                        lambda: keras.metrics.SparseCategoricalAccuracy(name="accuracy")),
             "onehot": ("accuracy", "categorical_accuracy", keras.metrics.CategoricalAccuracy,
                        lambda: keras.metrics.CategoricalAccuracy(name="accuracy")),
             "binary": ("accuracy", "binary_accuracy", keras.metrics.BinaryAccuracy,
                        lambda: keras.metrics.BinaryAccuracy(name="accuracy"))}[kind]
    choice = names[int(rng.integers(len(names)))]
    return choice() if callable(choice) and not isinstance(choice, type) else choice


def _expected(kind: str, y: np.ndarray, pred: np.ndarray, threshold: float) -> float:
    if kind == "sparse":
        return float(np.mean(pred.argmax(-1) == y.reshape(-1).astype(np.int64)))
    if kind == "onehot":
        return float(np.mean(pred.argmax(-1) == y.argmax(-1)))
    return float(np.mean((pred > threshold).astype(np.float32) == y.reshape(pred.shape)))


def _case(seed: int):
    rng = np.random.default_rng(seed)
    keras.utils.set_random_seed(seed)
    kind = ("sparse", "onehot", "binary")[seed % 3]
    n, features = int(rng.integers(40, 90)), int(rng.integers(3, 10))
    classes = int(rng.integers(2, 12)) if kind != "binary" else 1
    logits = bool(rng.integers(2))
    x = rng.normal(size=(n, features)).astype("float32")
    labels = rng.integers(0, max(classes, 2), size=n)
    dtype = ("uint8", "int32", "int64", "float32")[int(rng.integers(4))]
    if kind == "onehot":
        y = np.eye(classes, dtype=dtype)[labels]
    else:
        y = labels.astype(dtype)
        if rng.integers(2):
            y = y.reshape(n, 1)
    activation = None if logits else ("sigmoid" if kind == "binary" else "softmax")
    inputs = keras.Input((features,))
    h = inputs
    if rng.integers(2):
        h = keras.layers.Dense(int(rng.integers(4, 16)), activation="relu")(h)
    outputs = keras.layers.Dense(classes, activation=activation)(h)
    model = keras.Model(inputs, outputs)
    loss = {"sparse": keras.losses.SparseCategoricalCrossentropy(from_logits=logits),
            "onehot": keras.losses.CategoricalCrossentropy(from_logits=logits),
            "binary": keras.losses.BinaryCrossentropy(from_logits=logits)}[kind]
    metric = _spelling(rng, kind)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=loss, metrics=[metric])
    model.fit(x, y, batch_size=int(rng.integers(8, 33)), epochs=int(rng.integers(1, 4)),
              verbose=0)
    got = model.evaluate(x, y, batch_size=int(rng.integers(8, 40)), verbose=0)[1]
    # "accuracy" after a from_logits binary loss thresholds logits at 0 (nnlab's rule,
    # metrics.lookup); BinaryAccuracy itself at 0.5 whatever the output is, as in Keras
    threshold = 0.0 if logits and metric == "accuracy" else 0.5
    want = _expected(kind, y, model.predict(x, verbose=0), threshold)
    return got, want, (kind, metric, y.shape, dtype, logits)


@pytest.mark.parametrize("seed", range(CASES))
def test_evaluate_metric_equals_metric_of_predict(seed):
    got, want, case = _case(seed)
    assert got == pytest.approx(want, abs=1e-6), case


def test_object_metric_history_equals_string_metric_history():
    """Each epoch's training accuracy starts from zero with a Metric object too."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 8)).astype("float32")
    y = rng.integers(0, 5, size=(64, 1)).astype("uint8")
    histories = []
    for metric in ("accuracy", keras.metrics.SparseCategoricalAccuracy(name="accuracy")):
        keras.utils.set_random_seed(1)
        inputs = keras.Input((8,))
        model = keras.Model(inputs, keras.layers.Dense(100)(inputs))
        model.compile(optimizer=keras.optimizers.Adam(0.05),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=[metric])
        histories.append(model.fit(x, y, epochs=3, verbose=0, shuffle=False,
                                   validation_data=(x, y)).history)
    assert histories[0]["accuracy"] == pytest.approx(histories[1]["accuracy"])
    assert histories[0]["val_accuracy"] == pytest.approx(histories[1]["val_accuracy"])
