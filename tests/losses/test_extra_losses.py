"""Keras 3 parity for CosineSimilarity, LogCosh, MAPE, MSLE, Poisson, BinaryFocalCrossentropy,
reduction=None and SparseCategoricalCrossentropy(ignore_class=...)."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab import losses

RNG = np.random.default_rng(0)
Y = RNG.uniform(0.1, 3.0, size=(6, 4)).astype("float32")
P = RNG.uniform(0.1, 3.0, size=(6, 4)).astype("float32")
B = (RNG.uniform(size=(6, 3)) > 0.5).astype("float32")
Q = RNG.uniform(0.01, 0.99, size=(6, 3)).astype("float32")
Z = RNG.normal(size=(6, 3)).astype("float32")
W = RNG.uniform(0.5, 2.0, size=(6,)).astype("float32")


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


CASES = [
    ("CosineSimilarity", {}, Y - 1.5, P - 1.5), ("CosineSimilarity", {"axis": 0}, Y, P),
    ("LogCosh", {}, Y, P), ("LogCosh", {}, Y * 10, -P * 10),
    ("MeanAbsolutePercentageError", {}, Y, P), ("MeanSquaredLogarithmicError", {}, Y, P),
    ("Poisson", {}, Y, P),
    ("BinaryFocalCrossentropy", {}, B, Q),
    ("BinaryFocalCrossentropy", {"gamma": 3.0, "apply_class_balancing": True, "alpha": 0.4}, B, Q),
    ("BinaryFocalCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, B, Z),
]


@pytest.mark.parametrize("name, kwargs, y, p", CASES, ids=[f"{c[0]}{c[1]}" for c in CASES])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", None])
def test_matches_keras(keras, name, kwargs, y, p, reduction):
    ours = getattr(losses, name)(reduction=reduction, **kwargs)
    theirs = getattr(keras.losses, name)(reduction=reduction, **kwargs)
    for sw in (None, W):
        if name == "CosineSimilarity" and kwargs.get("axis") == 0 and sw is not None:
            continue  # per-column losses: a per-sample weight does not apply
        a = ours(torch.from_numpy(y), torch.from_numpy(p), sample_weight=sw)
        b = np.asarray(theirs(y, p, sample_weight=sw).cpu())
        np.testing.assert_allclose(a.numpy(), b, rtol=2e-5, atol=1e-6)


def test_string_names_resolve(keras):
    for name in ("mape", "msle", "log_cosh", "poisson", "cosine_similarity",
                 "binary_focal_crossentropy"):
        y, p = (B, Q) if "focal" in name else (Y, P)
        ours = losses.get(name)(torch.from_numpy(y), torch.from_numpy(p))
        ref = np.asarray(keras.losses.get(name)(y, p).cpu()).mean()  # per-sample in Keras
        np.testing.assert_allclose(ours.item(), ref, rtol=2e-5)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", None])
@pytest.mark.parametrize("from_logits", [True, False])
def test_ignore_class_matches_keras(keras, reduction, from_logits):
    labels = np.array([[0, 2, 255, 1], [255, 255, 1, 0]])
    logits = RNG.normal(size=(2, 4, 3)).astype("float32")
    pred = logits if from_logits else torch.softmax(torch.from_numpy(logits), -1).numpy()
    ours = losses.SparseCategoricalCrossentropy(from_logits=from_logits, ignore_class=255,
                                                reduction=reduction)
    theirs = keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits,
                                                        ignore_class=255, reduction=reduction)
    # (Keras fails on (batch,) weights with ignore_class on sequences; (batch, steps) works)
    for sw in (None, RNG.uniform(0.5, 2, size=(2, 4)).astype("float32")):
        a = ours(torch.from_numpy(labels), torch.from_numpy(pred), sample_weight=sw)
        b = np.asarray(theirs(labels, pred, sample_weight=sw).cpu())
        np.testing.assert_allclose(a.numpy(), b, rtol=1e-5, atol=1e-6)


def test_ignore_class_trains_a_model_ignoring_padding():
    x = torch.randn(32, 5, 4)
    y = torch.randint(0, 3, (32, 5))
    y[:, 3:] = -1  # padding label, out of range: would raise without ignore_class
    model = nnlab.Sequential([nnlab.layers.Dense(3, input_shape=(5, 4))])
    model.compile("adam", losses.SparseCategoricalCrossentropy(from_logits=True,
                                                               ignore_class=-1))
    hist = model.fit(x, y, epochs=2, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="gamma must be >= 0"):
        losses.BinaryFocalCrossentropy(gamma=-1.0)
    with pytest.raises(ValueError, match=r"y_true has shape \(6, 4\) but y_pred has shape"):
        losses.LogCosh()(torch.zeros(6, 4), torch.zeros(6, 3))
    with pytest.raises(ValueError, match="reduction must be one of"):
        losses.Poisson(reduction="avg")
