"""ImageDataGenerator (Keras 2) over nnlab's transforms: flow, flow_from_directory, fit."""
import warnings

import numpy as np
import pytest

import nnlab
from nnlab.layers import Dense, Flatten
from nnlab.preprocessing.image import ImageDataGenerator
from nnlab.utils import save_img


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def test_warns_once_naming_the_keras3_form():
    from nnlab import _deprecation
    _deprecation._WARNED.discard("ImageDataGenerator")
    with pytest.warns(DeprecationWarning, match="preprocessing layers"):
        ImageDataGenerator()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ImageDataGenerator()


def test_flow_standardises_with_featurewise_statistics():
    x = np.random.default_rng(0).uniform(0, 255, size=(10, 5, 6, 3)).astype("float32")
    ours = ImageDataGenerator(rescale=1 / 255, featurewise_center=True,
                              featurewise_std_normalization=True, samplewise_center=False)
    ours.fit(x * (1 / 255))
    out = np.concatenate(list(ours.flow(x, batch_size=4, shuffle=False)))
    expected = (x / 255 - (x / 255).mean(axis=(0, 1, 2))) / ((x / 255).std(axis=(0, 1, 2)) + 1e-6)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


def test_augmentation_is_seeded_and_keeps_shapes_and_labels():
    x = np.random.default_rng(0).uniform(size=(9, 8, 8, 1)).astype("float32")
    y = np.arange(9)
    datagen = ImageDataGenerator(rotation_range=20, width_shift_range=0.1,
                                 height_shift_range=2, shear_range=10, zoom_range=0.2,
                                 horizontal_flip=True, brightness_range=(0.8, 1.2))
    a = list(datagen.flow(x, y, batch_size=4, seed=1))
    b = list(datagen.flow(x, y, batch_size=4, seed=1))
    assert [xb.shape for xb, _ in a] == [(4, 8, 8, 1), (4, 8, 8, 1), (1, 8, 8, 1)]
    assert all(np.array_equal(p[0], q[0]) and np.array_equal(p[1], q[1]) for p, q in zip(a, b))
    assert sorted(np.concatenate([yb for _, yb in a]).tolist()) == list(range(9))
    assert not np.allclose(a[0][0], x[a[0][1]])  # augmented
    it = datagen.flow(x, y, batch_size=4, seed=1)
    assert len([next(it) for _ in range(5)]) == 5  # next() cycles forever, as in Keras


def test_fit_trains_on_flow_and_validation_subset():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=64)
    x = (y[:, None, None, None] * 0.8 + rng.uniform(0, 0.2, size=(64, 6, 6, 1))).astype("float32")
    datagen = ImageDataGenerator(horizontal_flip=True, validation_split=0.25)
    train = datagen.flow(x, y, batch_size=16, subset="training", seed=0)
    val = datagen.flow(x, y, batch_size=16, subset="validation", seed=0)
    assert train.n == 48 and val.n == 16
    model = nnlab.Sequential([Flatten(input_shape=(6, 6, 1)), Dense(2, activation="softmax")])
    model.compile(nnlab.optimizers.Adam(0.05), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    hist = model.fit(train, validation_data=val, epochs=5, verbose=0)
    assert hist.history["val_accuracy"][-1] == 1.0


def test_flow_from_directory(tmp_path, capsys):
    for k, name in enumerate(["cat", "dog"]):
        (tmp_path / name).mkdir()
        for i in range(3):
            save_img(tmp_path / name / f"{i}.png", np.full((10, 12, 3), 40.0 + 150 * k),
                     scale=False)
    it = ImageDataGenerator(rescale=1 / 255).flow_from_directory(
        str(tmp_path), target_size=(5, 6), batch_size=6, shuffle=False)
    assert "Found 6 images belonging to 2 classes." in capsys.readouterr().out
    x, y = it[0]
    assert x.shape == (6, 5, 6, 3) and y.tolist() == [[1, 0]] * 3 + [[0, 1]] * 3
    assert it.class_indices == {"cat": 0, "dog": 1}
    np.testing.assert_allclose(x[:, 0, 0, 0], [40 / 255] * 3 + [190 / 255] * 3, rtol=1e-6)


def test_bad_arguments_are_explained(tmp_path):
    with pytest.raises(ValueError, match="fill_mode must be one of"):
        ImageDataGenerator(fill_mode="wrap")
    with pytest.raises(ValueError, match=r"add a channel axis"):
        ImageDataGenerator().flow(np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match="call datagen.fit"):
        next(iter(ImageDataGenerator(featurewise_center=True).flow(np.zeros((2, 4, 4, 1)))))
    with pytest.raises(ValueError, match="needs ImageDataGenerator\\(validation_split"):
        ImageDataGenerator().flow(np.zeros((2, 4, 4, 1)), subset="training")
    with pytest.raises(ValueError, match="class_mode must be"):
        ImageDataGenerator().flow_from_directory(str(tmp_path), class_mode="multi")
