"""PyDataset / Sequence subclasses drive fit, evaluate and predict, with on_epoch_end."""
import numpy as np
import pytest

import nnlab
from nnlab.layers import Dense
from nnlab.utils import PyDataset, Sequence


class Batches(PyDataset):
    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_seen = 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        s = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[s], self.y[s]

    def on_epoch_end(self):
        self.epochs_seen += 1


def test_fit_evaluate_predict_take_a_py_dataset():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    data = Batches(x, y, 16, workers=2)
    model = nnlab.Sequential([Dense(2, input_shape=(4,), activation="softmax")])
    model.compile(nnlab.optimizers.Adam(0.05), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(data, epochs=6, verbose=0)
    assert data.epochs_seen == 6 and history.history["accuracy"][-1] > 0.85
    loss, acc = model.evaluate(data, verbose=0)
    assert acc == pytest.approx(history.history["accuracy"][-1], abs=0.15)
    assert model.predict(Batches(x, np.zeros(50), 16)).shape == (50, 2)


def test_sequence_is_keras2_name_and_missing_methods_are_explained():
    assert Sequence is PyDataset
    with pytest.raises(NotImplementedError, match="must implement __len__"):
        len(PyDataset())
