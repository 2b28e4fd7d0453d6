"""A file written by a newer nnlab is refused as such (issue 27): "written by a newer
nnlab (format X, this nnlab reads up to Y): upgrade nnlab", not "not an nnlab model
file" -- for model files, weights files, compressed models and resume checkpoints, by one
helper (:mod:`nnlab.utils.format_version`). The check runs on the header, before any
weight is read."""
import json
import os

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

import nnlab
from nnlab.errors import ConfigError
from nnlab.layers import Dense
from nnlab.models.saving import serialization

NEWER = r"written by a newer nnlab \(format {}, this nnlab reads up to {}\): upgrade nnlab"


def _model():
    nnlab.set_seed(0)
    return nnlab.Sequential([Dense(3, input_shape=(4,)), Dense(2)])


def _rewrite(path, **changes):
    """Rewrite ``path`` with header metadata ``changes`` (None removes a key)."""
    with safe_open(str(path), framework="pt") as f:
        meta = dict(f.metadata())
    tensors = load_file(str(path))
    for key, value in changes.items():
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
    meta.pop("sha256", None)  # as a later nnlab may well hash differently
    save_file(tensors, str(path), metadata=meta)


def test_files_say_which_format_version_they_hold(tmp_path):
    model = _model()
    model.save(tmp_path / "m.nnlab")
    model.save_weights(tmp_path / "w.nnlab")
    for name in ("m.nnlab", "w.nnlab"):
        with safe_open(str(tmp_path / name), framework="pt") as f:
            meta = f.metadata()
        # version 1 (older nnlab reads it) unless the file holds optimizer state
        assert meta["format_version"] == "1" and serialization.VERSION == 2
        assert meta["nnlab"] == nnlab.__version__


@pytest.mark.parametrize("changes, found", [
    ({"format_version": "3"}, "3"),
    ({"format_version": "17"}, "17"),
    ({"format": "nnlab-model-v2"}, "'nnlab-model-v2'"),
    ({"format": "nnlab-sharded-model"}, "'nnlab-sharded-model'"),
])
def test_a_model_file_of_a_newer_nnlab_is_refused_as_such(tmp_path, changes, found):
    path = tmp_path / "m.nnlab"
    _model().save(path)
    _rewrite(path, **changes)
    newest = "2" if "format_version" in changes else r"'nnlab-model' version 2"
    with pytest.raises(ConfigError, match=NEWER.format(found, newest)) as info:
        nnlab.load_model(path)
    assert str(path) in str(info.value) and "not an nnlab" not in str(info.value)
    model = _model()
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ConfigError, match=NEWER.format(found, newest)):
        model.load_weights(path)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_a_weights_file_of_a_newer_nnlab_is_refused_as_such(tmp_path):
    path = tmp_path / "w.nnlab"
    _model().save_weights(path)
    _rewrite(path, format_version="3")
    with pytest.raises(ConfigError, match=NEWER.format(3, 2)):
        _model().load_weights(path)


@pytest.mark.parametrize("version", ["0", "two", "-1"])
def test_a_damaged_version_is_not_called_newer(tmp_path, version):
    path = tmp_path / "m.nnlab"
    _model().save(path)
    _rewrite(path, format_version=version)
    with pytest.raises(ConfigError, match=r"no valid format version .*damaged"):
        nnlab.load_model(path)


def test_older_files_and_foreign_files_are_as_before(tmp_path):
    path = tmp_path / "m.nnlab"
    model = _model()
    model.save(path)
    _rewrite(path, format_version=None, nnlab=None)  # a file from before versions
    loaded = nnlab.load_model(path)
    x = np.ones((2, 4), "float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    _rewrite(path, format="someone-else")
    with pytest.raises(ConfigError, match="is not an nnlab model file"):
        nnlab.load_model(path)


def test_a_compressed_model_of_a_newer_nnlab_is_refused_as_such(tmp_path):
    from nnlab.compress.file_format import load_compressed
    path = tmp_path / "c.nnlab"
    save_file({"x": torch.zeros(1)}, str(path),
              metadata={"nnlab": json.dumps({"format": "nnlab-deep-compression/2"})})
    with pytest.raises(ConfigError, match=NEWER.format("'nnlab-deep-compression/2'",
                                                       "'nnlab-deep-compression/1'")):
        load_compressed(str(path))


def test_a_checkpoint_of_a_newer_kind_is_refused_as_such(tmp_path):
    ck = tmp_path / "ck"
    x, y = np.ones((8, 4), "float32"), np.zeros((8, 2), "float32")
    model = _model()
    model.compile("sgd", "mse")
    model.fit(x, y, epochs=1, verbose=0, checkpoint_dir=str(ck))
    state = torch.load(ck / "last.ckpt", weights_only=True)
    state["format"] = "nnlab-checkpoint-v3"
    torch.save(state, ck / "last.ckpt")
    with pytest.raises(ConfigError, match=NEWER.format("'nnlab-checkpoint-v3'",
                                                       "'nnlab-checkpoint' version 2")):
        model.fit(x, y, epochs=2, verbose=0, checkpoint_dir=str(ck))
    assert os.path.exists(ck / "last.ckpt")
