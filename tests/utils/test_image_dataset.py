"""image_dataset_from_directory: class folders -> batches that fit trains on."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab.layers import Dense, Flatten, Rescaling
from nnlab.utils import image_dataset_from_directory, save_img


@pytest.fixture
def folder(tmp_path):
    """Two classes that differ in brightness: 'dark' (values < 60) and 'light' (> 190)."""
    rng = np.random.default_rng(0)
    for name, low in (("dark", 0), ("light", 190)):
        (tmp_path / name).mkdir()
        for i in range(10):
            save_img(tmp_path / name / f"{i}.png",
                     rng.integers(low, low + 60, size=(9, 7, 3)).astype("float32"), scale=False)
    (tmp_path / "light" / "notes.txt").write_text("not an image")
    return tmp_path


def test_batches_shapes_labels_and_training(folder, capsys):
    ds = image_dataset_from_directory(folder, image_size=(8, 8), batch_size=6, seed=1)
    assert "Found 20 files belonging to 2 classes." in capsys.readouterr().out
    assert ds.class_names == ["dark", "light"] and len(ds) == 4
    batches = list(ds)
    x, y = batches[0]
    assert x.shape == (6, 8, 8, 3) and x.dtype == torch.float32 and y.dtype == torch.int64
    labels = torch.cat([b[1] for b in batches])
    means = torch.cat([b[0].mean(dim=(1, 2, 3)) for b in batches])
    assert torch.all((means > 128) == (labels == 1))  # each label belongs to its image
    model = nnlab.Sequential([Rescaling(1 / 255, input_shape=(8, 8, 3)), Flatten(),
                              Dense(2, activation="softmax")])
    model.compile(nnlab.optimizers.Adam(0.05), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(ds, epochs=12, verbose=0)
    assert history.history["accuracy"][-1] == 1.0


def test_label_modes_and_split(folder):
    train, val = image_dataset_from_directory(folder, image_size=(4, 4), label_mode="categorical",
                                              validation_split=0.25, subset="both", seed=3,
                                              color_mode="grayscale", verbose=False)
    assert len(train.file_paths) == 15 and len(val.file_paths) == 5
    assert not set(train.file_paths) & set(val.file_paths)
    x, y = next(iter(val))
    assert x.shape == (5, 4, 4, 1) and y.shape == (5, 2) and y.dtype == torch.float32
    assert torch.all(y.sum(1) == 1)
    binary = image_dataset_from_directory(folder, image_size=(4, 4), label_mode="binary",
                                          batch_size=32, shuffle=False, verbose=False)
    x, y = next(iter(binary))
    assert y.shape == (20, 1) and y[:10].sum() == 0 and y[10:].sum() == 10
    nnlab.set_image_data_format("channels_first")
    first = image_dataset_from_directory(folder, image_size=(4, 5), verbose=False, seed=0)
    assert next(iter(first))[0].shape == (20, 3, 4, 5)


def test_bad_arguments_are_explained(folder, tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        image_dataset_from_directory(tmp_path / "nope")
    with pytest.raises(ValueError, match="label_mode must be"):
        image_dataset_from_directory(folder, label_mode="sparse")
    with pytest.raises(ValueError, match="give a seed"):
        image_dataset_from_directory(folder, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match=r"class_names \['cats'\] are not sub-folders"):
        image_dataset_from_directory(folder, class_names=["dark", "cats"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no images"):
        image_dataset_from_directory(tmp_path / "empty", labels=None)
