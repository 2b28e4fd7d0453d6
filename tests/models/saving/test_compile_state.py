"""A model file's compile config and optimizer state (issue 27): a damaged or crafted
section is refused with a ConfigError naming the file and saying how to load without
it; an older nnlab's reader is told the file is newer (format_version 2)."""
import json

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.torch import load_file, save_file

import nnlab
from nnlab.errors import ConfigError
from nnlab.layers import Dense


def _saved(tmp_path):
    nnlab.set_seed(0)
    model = nnlab.Sequential([Dense(3, input_shape=(4,), activation="relu"), Dense(2)])
    model.compile("adam", "mse")
    x, y = np.ones((8, 4), "float32"), np.zeros((8, 2), "float32")
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    path = tmp_path / "m.nnlab"
    model.save(path)
    return path


def _rewrite(path, tensors=None, **changes):
    with safe_open(str(path), framework="pt") as f:
        meta = dict(f.metadata())
    old = load_file(str(path))
    meta.update(changes)
    meta.pop("sha256", None)  # a crafted file need not carry a hash
    save_file(tensors(old) if tensors else old, str(path), metadata=meta)


def test_the_file_holds_the_optimizer_slots_and_says_version_2(tmp_path):
    path = _saved(tmp_path)
    with safe_open(str(path), framework="pt") as f:
        meta, keys = f.metadata(), list(f.keys())
    assert meta["format_version"] == "2"
    assert json.loads(meta["compile"])["optimizer"]["class_name"] == "Adam"
    assert json.loads(meta["optimizer_state"])["steps"] == 2
    assert sorted(k for k in keys if k.startswith("__optimizer__/")) == [
        f"__optimizer__/{i}/{s}" for i in range(4) for s in ("exp_avg", "exp_avg_sq", "step")]


def test_a_slot_of_another_shape_is_refused_naming_the_file(tmp_path):
    path = _saved(tmp_path)

    def wrong(tensors):
        tensors["__optimizer__/0/exp_avg"] = tensors["__optimizer__/0/exp_avg"][:1]
        return tensors
    _rewrite(path, wrong)
    with pytest.raises(ConfigError, match=r"m.nnlab'.*optimizer state .*does not fit model.*"
                                          r"slot '__optimizer__/0/exp_avg' of shape "
                                          r"\(1, 4\).*compile=False"):
        nnlab.load_model(path)
    assert nnlab.load_model(path, compile=False).compiled is None  # the way out works


@pytest.mark.parametrize("compile_config, says", [
    ({"optimizer": {"class_name": "os.system", "config": {}}}, "KeyError: 'os.system'"),
    ({"optimizer": {"class_name": "Adam", "config": {"beta_1": 7}}}, "beta_1 must be in"),
    ({"optimizer": {"class_name": "Adam", "config": {}},
      "loss": {"loss": {"class_name": "Popen", "config": {}}}}, "Popen"),
    ([1, 2], "must be an object"),
])
def test_a_crafted_compile_config_is_refused_before_the_model_is_built(tmp_path,
                                                                       compile_config, says):
    path = _saved(tmp_path)
    _rewrite(path, compile=json.dumps(compile_config))
    with pytest.raises(ConfigError, match="m.nnlab") as info:
        nnlab.load_model(path)
    assert says in str(info.value)
