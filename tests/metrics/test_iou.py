"""IoU / MeanIoU: by hand, against Keras 3 (torch backend, dev-only oracle), in compile."""
import os

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

import nnlab
from nnlab.metrics import IoU, MeanIoU

os.environ.setdefault("KERAS_BACKEND", "torch")


def test_by_hand():
    true = np.array([0, 0, 1, 1, 2, 2, 2, 0])
    pred = np.array([0, 1, 1, 1, 2, 2, 0, 0])
    # class 0: TP 2, FP 1, FN 1 -> 2/4; class 1: TP 2, FP 1 -> 2/3; class 2: TP 2, FN 1 -> 2/3
    m = MeanIoU(num_classes=3)
    m.update_state(true, pred)
    assert m.result() == pytest.approx((0.5 + 2 / 3 + 2 / 3) / 3)
    one = IoU(num_classes=3, target_class_ids=[0])
    assert one(true, pred) == pytest.approx(0.5)
    # a class never seen (3 of 4) is left out of the mean
    assert MeanIoU(num_classes=4)(true, pred) == pytest.approx((0.5 + 2 / 3 + 2 / 3) / 3)
    with pytest.raises(ValueError, match=r"outside \[0, 3\) for num_classes=3"):
        MeanIoU(num_classes=3)(np.array([0, 5]), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"target_class_ids must be class ids in \[0, 3\)"):
        IoU(num_classes=3, target_class_ids=[3])


@pytest.mark.parametrize("kwargs", [
    {}, {"ignore_class": 1}, {"sparse_y_pred": False}, {"sparse_y_true": False,
                                                         "sparse_y_pred": False},
    {"target_class_ids": [0, 2]}, {"weighted": True},
])
def test_matches_keras_3_over_batches(kwargs):
    keras = pytest.importorskip("keras")
    kwargs = dict(kwargs)
    weighted = kwargs.pop("weighted", False)
    rng = np.random.default_rng(len(str(kwargs)))
    cls = (IoU, keras.metrics.IoU) if "target_class_ids" in kwargs else \
        (MeanIoU, keras.metrics.MeanIoU)
    ours = cls[0](num_classes=4, **kwargs)
    theirs = cls[1](num_classes=4, dtype="float32", **kwargs)  # Keras' int dtype truncates weights
    for _ in range(3):
        labels = rng.integers(0, 4, size=(5, 6))
        scores = rng.normal(size=(5, 6, 4)).astype("float32")
        y_true = np.eye(4, dtype="float32")[labels] if kwargs.get("sparse_y_true") is False \
            else labels
        y_pred = scores if kwargs.get("sparse_y_pred") is False else scores.argmax(-1)
        w = rng.random((5, 6)).astype("float32") if weighted else None
        ours.update_state(y_true, y_pred, sample_weight=w)
        theirs.update_state(y_true, y_pred, sample_weight=w)
    expected = float(keras.ops.convert_to_numpy(theirs.result()))
    assert ours.result() == pytest.approx(expected, rel=1e-5)
    ours.reset_state()
    assert ours.result() == 0.0


def test_usable_in_compile():
    d = load_digits()
    x, y = (d.data / 16.0).astype("float32"), d.target
    torch.manual_seed(0)
    model = nnlab.Sequential([nnlab.layers.Dense(10, input_shape=(64,), activation="softmax")])
    model.compile(nnlab.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
                  metrics=[MeanIoU(num_classes=10, sparse_y_pred=False, name="miou")])
    hist = model.fit(x, y, epochs=2, batch_size=64, verbose=0).history
    assert hist["miou"][-1] > hist["miou"][0]
    logged = model.evaluate(x, y, verbose=0, return_dict=True)["miou"]
    direct = MeanIoU(num_classes=10)(y, model.predict(x, verbose=0).argmax(-1))
    assert logged == pytest.approx(direct, rel=1e-6)
    assert 0.7 < logged < 1.0   # 0.35 after epoch 1, 0.78 after 2, 0.81 evaluated
