"""Files read by nnlab are checked before they cost anything (issue 27): a resume
checkpoint of a newer format or full of garbage, a Keras ``.h5`` declaring huge
shapes, a ``.keras`` archive whose weights unpack to gigabytes."""
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch

import nnlab
from nnlab.errors import ConfigError
from nnlab.layers import Dense
from nnlab.training import checkpoint as checkpoint_mod

h5py = pytest.importorskip("h5py")


def _fit(ck, epochs=1):
    nnlab.set_seed(0)
    model = nnlab.Sequential([Dense(3, input_shape=(4,))])
    model.compile("sgd", "mse")
    x = np.ones((8, 4), "float32")
    return model.fit(x, np.zeros((8, 3), "float32"), epochs=epochs, verbose=0,
                     checkpoint_dir=str(ck))


def test_a_checkpoint_of_a_newer_format_is_refused(tmp_path):
    _fit(tmp_path)
    path = tmp_path / "last.ckpt"
    state = torch.load(path, weights_only=True)
    state["version"] = 99
    torch.save(state, path)
    with pytest.raises(ConfigError, match=r"written by a newer nnlab \(format 99, this nnlab "
                                          r"reads up to 2\): upgrade nnlab"):
        _fit(tmp_path, epochs=2)
    state["version"] = "two"
    torch.save(state, path)
    with pytest.raises(ConfigError, match="no valid format version"):
        _fit(tmp_path, epochs=2)


@pytest.mark.parametrize("garbage", [b"not a checkpoint at all\n" * 10, b"PK\x03\x04" + b"\0" * 50,
                                     b"\x80\x04\x95" + b"junk" * 20])
def test_a_garbage_checkpoint_gets_a_clear_message_without_unsafe_advice(tmp_path, garbage):
    (tmp_path / "last.ckpt").write_bytes(garbage)
    with pytest.raises(ConfigError) as info:
        _fit(tmp_path)
    text = str(info.value)
    assert "last.ckpt" in text and f"({len(garbage):,} bytes)" in text
    assert "Delete it" in text and "weights_only=False." in text  # only as "do not"
    assert "retry" not in text.lower() and "do not load it with weights_only=False" in text


def _h5_with_kernel(path, shape):
    with h5py.File(path, "w") as f:
        g = f.create_group("layers/dense/vars")
        g.create_dataset("0", shape=shape, dtype="float32", chunks=(1, 1024))
        g.create_dataset("1", data=np.zeros(2, "float32"))


def test_h5_shapes_are_checked_before_anything_is_read(tmp_path):
    model = nnlab.Sequential([Dense(2, input_shape=(3,))])
    path = str(tmp_path / "huge.weights.h5")
    _h5_with_kernel(path, (10**6, 10**6))  # 3.6 TiB declared in a 5 KB file
    assert os.path.getsize(path) < 100_000
    before = [p.detach().clone() for p in model.parameters()]
    with pytest.raises(ConfigError, match=r"huge\.weights\.h5.*\(1000000, 1000000\).*"
                                          r"needs \(3, 2\).*nothing was read"):
        model.load_weights(path)
    for a, b in zip(before, model.parameters()):
        torch.testing.assert_close(a, b.detach(), rtol=0, atol=0)


PEAK = """
import resource, sys
import nnlab
from nnlab.layers import Dense
model = nnlab.Sequential([Dense(2, input_shape=(3,))])
start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    model.load_weights(sys.argv[1])
except Exception as exc:
    print(type(exc).__name__)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start) // 1024)
"""


def _peak_mib(path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run([sys.executable, "-c", PEAK, path], capture_output=True, text=True,
                         env=env, timeout=300)
    kind, grew = out.stdout.split()
    print(f"{os.path.basename(path)} ({os.path.getsize(path):,} bytes): {kind}, peak RSS "
          f"+{grew} MiB")
    return kind, int(grew)


def test_a_feasible_but_wrong_h5_shape_allocates_nothing(tmp_path):
    path = str(tmp_path / "big.weights.h5")
    _h5_with_kernel(path, (12000, 12000))  # 550 MiB if read
    kind, grew = _peak_mib(path)
    assert kind == "ConfigError" and grew < 64, grew


def test_a_keras_zip_bomb_is_refused_before_unpacking(tmp_path):
    path = str(tmp_path / "bomb.keras")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("model.weights.h5", "w", force_zip64=True) as member:
            block = b"\0" * 2**20
            for _ in range(200):  # 200 MiB of zeros, about 200 KB packed
                member.write(block)
    assert os.path.getsize(path) < 2**20
    kind, grew = _peak_mib(path)
    assert kind == "ConfigError" and grew < 64, grew
    model = nnlab.Sequential([Dense(2, input_shape=(3,))])
    with pytest.raises(ConfigError, match=r"unpacks to 209,715,200 bytes.*refused before"):
        model.load_weights(path)


def test_the_checkpoint_version_constant_is_what_is_written(tmp_path):
    _fit(tmp_path)
    state = torch.load(tmp_path / "last.ckpt", weights_only=True)
    assert state["version"] == checkpoint_mod.VERSION
