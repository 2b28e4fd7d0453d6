"""The lecture CNN on real offline data (slow: run with `make test-slow`), and augmentation
passed to fit."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab.data import DatasetNotAvailable, load_digits, load_fashion_mnist, load_mnist
from nnlab.data import transforms
from nnlab.demo import lecture_cnn


def _train_cnn(loader, epochs):
    try:
        (x, y), (xt, yt) = loader()
    except DatasetNotAvailable as exc:
        pytest.skip(str(exc))
    prep = lambda a: (a.astype(np.float32) / 255.0)[..., None]  # noqa: E731
    nnlab.set_seed(0)
    model = lecture_cnn()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(prep(x), y.astype(np.int64), epochs=epochs, batch_size=128, verbose=0)
    return model.evaluate(prep(xt), yt.astype(np.int64), verbose=0)[1]


@pytest.mark.slow
def test_lecture_cnn_on_full_mnist():
    acc = _train_cnn(lambda: load_mnist(subset_ok=False), epochs=4)
    assert acc >= 0.985


@pytest.mark.slow
def test_lecture_cnn_on_fashion_mnist():
    acc = _train_cnn(load_fashion_mnist, epochs=5)
    assert acc >= 0.88


def test_fit_applies_augmentation_to_training_batches():
    (x, y), _ = load_digits()
    x = (x / 16.0)[..., None].astype(np.float32)
    seen = []

    class Recorder:
        def __call__(self, batch):
            seen.append(batch.shape)
            return transforms.RandomFlip("horizontal", p=1.0)(batch)

    model = nnlab.Sequential([nnlab.layers.Flatten(input_shape=(8, 8, 1)),
                              nnlab.layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x[:64], y[:64].astype(np.int64), epochs=1, batch_size=32, verbose=0,
              augment=Recorder())
    assert seen == [torch.Size([32, 8, 8, 1])] * 2
