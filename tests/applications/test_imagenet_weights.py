"""``weights="imagenet"`` by the real path, against a local server on 127.0.0.1 serving
generated files in Keras' published format (Keras 2 HDF5 weights, Keras' file names):
download into NNLAB_CACHE_DIR/models, md5-verified, loaded by layer position; the lecture's
transfer-learning program (VGG16 base frozen, new head, fit) runs on it; Keras' own files
(written by Keras) give Keras' predictions; offline, the error says what to do."""
from __future__ import annotations

import hashlib

import numpy as np
import pytest
import torch

import nnlab
from nnlab import applications
from nnlab.applications import keras_weights
from nnlab.layers import Dense, GlobalAveragePooling2D
from tests.http_server import serve

pytest.importorskip("h5py")


@pytest.fixture
def server(monkeypatch, tmp_path):
    monkeypatch.setenv("NNLAB_CACHE_DIR", str(tmp_path / "cache"))
    with serve() as httpd:
        yield httpd


def write_keras2_h5(model, path) -> None:
    """``model``'s weights in Keras 2's HDF5 layout (what Keras publishes): ``layer_names``,
    per layer ``weight_names`` and the arrays in Keras' layouts."""
    import h5py
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [layer.name.encode() for layer in model.layers]
        for layer in model.layers:
            group = f.create_group(layer.name)
            arrays = layer.get_weights()
            names = [f"{layer.name}/w{i}:0".encode() for i in range(len(arrays))]
            group.attrs["weight_names"] = names
            for name, array in zip(names, arrays):
                group.create_dataset(name, data=array)


def publish(monkeypatch, server, model_name, include_top, data: bytes):
    """Serve ``data`` as Keras' file for ``model_name`` (its real file name and the md5
    of ``data``) and point nnlab's table at the local server."""
    real = keras_weights.KERAS_WEIGHTS[(model_name, include_top)]
    local = real._replace(url=f"{server.url}/{real.filename}",
                          digest=hashlib.md5(data).hexdigest())
    monkeypatch.setitem(keras_weights.KERAS_WEIGHTS, (model_name, include_top), local)
    server.files[f"/{real.filename}"] = data
    return local


def test_vgg16_imagenet_downloads_verifies_caches_and_the_lecture_program_runs(
        server, monkeypatch, tmp_path):
    nnlab.set_seed(0)
    source = applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    write_keras2_h5(source, tmp_path / "vgg16.h5")
    remote = publish(monkeypatch, server, "VGG16", False, (tmp_path / "vgg16.h5").read_bytes())
    assert remote.filename == "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"

    # the lecture's program, as written
    base = applications.VGG16(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    assert remote.path().is_file() and str(remote.path()).startswith(str(tmp_path / "cache"))
    x = np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 3)).astype("float32")
    np.testing.assert_array_equal(base.predict(x, verbose=0), source.predict(x, verbose=0))
    base.trainable = False
    inputs = nnlab.Input((32, 32, 3))
    features = GlobalAveragePooling2D()(base(inputs, training=False))
    model = nnlab.Model(inputs, Dense(2, activation="softmax", name="head")(features))
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    frozen = [w.copy() for w in base.get_weights()]
    history = model.fit(x, np.array([0, 1, 0, 1]), epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert all(np.array_equal(a, b) for a, b in zip(base.get_weights(), frozen))

    applications.VGG16(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    assert len(server.requests) == 1  # the second build: a cache hit, no request


def test_wrong_architecture_is_refused_before_any_weight_changes(server, monkeypatch,
                                                                 tmp_path):
    small = nnlab.Sequential([nnlab.Input((4,)), Dense(3, name="only")])
    write_keras2_h5(small, tmp_path / "small.h5")
    publish(monkeypatch, server, "DenseNet121", False, (tmp_path / "small.h5").read_bytes())
    with pytest.raises(nnlab.errors.ConfigError, match=r"weights for 1 layers.*has 241 "
                                                       r"layers with weights"):
        applications.DenseNet121(weights="imagenet", include_top=False)


def test_offline_message_names_url_md5_and_the_path(monkeypatch, tmp_path):
    monkeypatch.setenv("NNLAB_CACHE_DIR", str(tmp_path / "cache"))
    real = keras_weights.KERAS_WEIGHTS[("VGG16", False)]
    monkeypatch.setitem(keras_weights.KERAS_WEIGHTS, ("VGG16", False),
                        real._replace(url="http://127.0.0.1:9/" + real.filename))
    with pytest.raises(applications.WeightsUnavailableError) as err:
        applications.VGG16(include_top=False)  # Keras' default: weights="imagenet"
    text = str(err.value)
    assert "http://127.0.0.1:9/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5" in text
    assert "md5 6d6bbae143d832006294945121d1f1fc" in text and "Offline?" in text
    assert str(tmp_path / "cache" / "models" / real.filename) in text


def test_published_urls_and_hashes_are_keras():
    vgg = keras_weights.KERAS_WEIGHTS[("VGG16", True)]
    assert vgg.url == ("https://storage.googleapis.com/tensorflow/keras-applications/vgg16/"
                       "vgg16_weights_tf_dim_ordering_tf_kernels.h5")
    assert vgg.digest == "64373286793e3c8b2b4e3219cbf3544b" and vgg.algorithm == "md5"
    b7 = keras_weights.KERAS_WEIGHTS[("EfficientNetB7", False)]
    assert b7.url == "https://storage.googleapis.com/keras-applications/efficientnetb7_notop.h5"


@pytest.mark.parametrize("name", ["VGG16", "ResNet50", "DenseNet121"])
def test_files_keras_writes_give_keras_predictions(keras, server, monkeypatch, tmp_path,
                                                   name):
    from keras.src.legacy.saving import legacy_h5_format
    import h5py
    keras.utils.set_random_seed(0)
    kwargs = dict(include_top=False, pooling="avg", input_shape=(32, 32, 3))
    theirs = getattr(keras.applications, name)(weights=None, **kwargs)
    with h5py.File(tmp_path / "k.h5", "w") as f:  # Keras' published format, by Keras
        legacy_h5_format.save_weights_to_hdf5_group(f, theirs)
    publish(monkeypatch, server, name, False, (tmp_path / "k.h5").read_bytes())
    ours = getattr(applications, name)(weights="imagenet", **kwargs)
    x = np.random.default_rng(1).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-4)


def test_efficientnet_b0_imagenet_has_keras_extra_rescaling(server, monkeypatch, tmp_path):
    with torch.device("meta"):
        plain = applications.EfficientNetB0(weights=None, include_top=False)
    source = applications.EfficientNetB0(weights=None, include_top=False,
                                         input_shape=(32, 32, 3))
    write_keras2_h5(source, tmp_path / "b0.h5")
    publish(monkeypatch, server, "EfficientNetB0", False, (tmp_path / "b0.h5").read_bytes())
    ours = applications.EfficientNetB0(include_top=False, input_shape=(32, 32, 3))
    assert len(ours.layers) == len(plain.layers) + 1  # Rescaling(1 / sqrt(std)) after
    assert ours.count_params() == plain.count_params()  # the Normalization, as Keras
    assert np.isfinite(ours.predict(np.zeros((1, 32, 32, 3), "float32"), verbose=0)).all()
