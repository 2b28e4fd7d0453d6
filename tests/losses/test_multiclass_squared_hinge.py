"""The squared-hinge multiclass SVM (CS231n's L2-SVM) by hand, by name, and trained."""
import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

import nnlab
from nnlab import losses as L

SCORES = torch.tensor([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])  # CS231n's


def test_by_hand_on_the_lecture_scores():
    # cat: (5.1 - 3.2 + 1)^2 + 0 = 8.41; car: 0 + 0; frog: (2.2 + 3.1 + 1)^2 + (2.5 + 3.1 + 1)^2
    per = L.multiclass_squared_hinge(torch.tensor([0, 1, 2]), SCORES)
    torch.testing.assert_close(per, torch.tensor([8.41, 0.0, 6.3 ** 2 + 6.6 ** 2]))
    one_hot = torch.eye(3)[[0, 1, 2]]
    torch.testing.assert_close(L.multiclass_squared_hinge(one_hot, SCORES), per)
    assert float(L.MulticlassSquaredHinge()(torch.tensor([0, 1, 2]), SCORES)) == \
        pytest.approx(float(per.mean()))
    # margin 0.5 on the cat row: (1.9 + 0.5)^2
    assert float(L.multiclass_squared_hinge([0], SCORES[:1], margin=0.5)) == pytest.approx(5.76)


def test_names_keep_one_meaning():
    assert isinstance(L.get("multiclass_squared_hinge"), L.MulticlassSquaredHinge)
    assert isinstance(L.get("squared_svm"), L.MulticlassSquaredHinge)
    assert isinstance(L.get("squared_hinge"), L.SquaredHinge)   # Keras' binary one, unchanged
    with pytest.raises(ValueError, match="multiclass_squared_hinge"):
        L.multiclass_squared_hinge(torch.tensor([3]), SCORES[:1])


def test_compiles_and_trains_a_linear_svm_on_digits():
    d = load_digits()
    x, y = (d.data / 16.0).astype("float32"), d.target
    torch.manual_seed(0)
    model = nnlab.Sequential([nnlab.layers.Dense(10, input_shape=(64,))])
    model.compile(nnlab.optimizers.SGD(0.01), "multiclass_squared_hinge", metrics=["accuracy"])
    hist = model.fit(x[:1200], y[:1200], epochs=5, batch_size=32, verbose=0).history
    assert hist["loss"][-1] < hist["loss"][0]
    acc = float(np.mean(model.predict(x[1200:], verbose=0).argmax(-1) == y[1200:]))
    assert acc > 0.85, acc   # 0.868 on the 597 held-out digits
