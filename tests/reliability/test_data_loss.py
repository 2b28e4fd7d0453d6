"""Cases where fit used to destroy data that is not its own (issue 27).

- a symbolic link (or a hard link) named ``.lock`` in ``checkpoint_dir`` made fit write
  its pid into the file the link points to;
- a failed pid write after the lock was taken left the folder locked for the process;
- a symlink named like nnlab's temporaries made every later save in the folder fail;
- an in-place ``augment`` changed the caller's x (``shuffle=False`` batches are views).
"""
import os

import numpy as np
import pytest
import torch

import nnlab
from nnlab.errors import ConfigError
from nnlab.layers import Dense
from nnlab.training import checkpoint as checkpoint_mod


def _model():
    nnlab.set_seed(0)
    model = nnlab.Sequential([Dense(3, input_shape=(4,))])
    model.compile("sgd", "mse")
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(16, 4)).astype("float32"), rng.normal(size=(16, 3)).astype("float32")


@pytest.mark.parametrize("kind", ["symlink", "hardlink"])
def test_a_linked_lock_file_is_refused_and_its_target_untouched(tmp_path, kind):
    notes = tmp_path / "notes.txt"
    notes.write_text("my thesis notes\n")
    ck = tmp_path / "ck"
    ck.mkdir()
    (os.symlink if kind == "symlink" else os.link)(notes, ck / ".lock")
    x, y = _data()
    with pytest.raises(ConfigError, match=r"\.lock"):
        _model().fit(x, y, epochs=1, verbose=0, checkpoint_dir=str(ck))
    assert notes.read_text() == "my thesis notes\n"
    assert not (ck / "last.ckpt").exists()


def test_a_dangling_lock_symlink_creates_nothing(tmp_path):
    ck = tmp_path / "ck"
    ck.mkdir()
    os.symlink(tmp_path / "elsewhere", ck / ".lock")
    x, y = _data()
    with pytest.raises(ConfigError, match="symbolic link"):
        _model().fit(x, y, epochs=1, verbose=0, checkpoint_dir=str(ck))
    assert not (tmp_path / "elsewhere").exists()


def test_a_failed_pid_write_releases_the_lock(tmp_path, monkeypatch):
    ck = str(tmp_path / "ck")
    real_write = os.write
    calls = {"n": 0}

    def full_disk(fd, data):
        calls["n"] += 1
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(checkpoint_mod.os, "write", full_disk)
    x, y = _data()
    with pytest.raises(OSError):
        _model().fit(x, y, epochs=1, verbose=0, checkpoint_dir=ck)
    assert calls["n"] == 1
    monkeypatch.setattr(checkpoint_mod.os, "write", real_write)
    _model().fit(x, y, epochs=1, verbose=0, checkpoint_dir=ck)  # not "in use (pid ?)"
    assert os.path.exists(os.path.join(ck, "last.ckpt"))


def test_a_symlink_named_like_a_temporary_does_not_break_saves(tmp_path):
    target = tmp_path / "keep"
    target.mkdir()
    (target / "data.txt").write_text("x")
    os.symlink(target, tmp_path / ".m.nnlab.nnlab-tmp.999999.0123abcd")
    model = _model()
    model.save_weights(str(tmp_path / "m.nnlab"))
    model.save_weights(str(tmp_path / "m.nnlab"))
    assert (target / "data.txt").read_text() == "x"


@pytest.mark.parametrize("shuffle", [False, True])
def test_an_in_place_augment_never_changes_the_callers_x(shuffle):
    x, y = _data()
    before = x.copy()
    xt = torch.from_numpy(x.copy())
    xt_before = xt.clone()
    model = _model()
    model.fit(x, y, epochs=2, batch_size=4, verbose=0, shuffle=shuffle,
              augment=lambda b: b.add_(0.1))
    model.fit(xt, y, epochs=2, batch_size=4, verbose=0, shuffle=shuffle,
              augment=lambda b: b.mul_(2.0))
    np.testing.assert_array_equal(x, before)
    torch.testing.assert_close(xt, xt_before, rtol=0, atol=0)


def test_an_in_place_augment_never_changes_a_generators_arrays():
    x, y = _data()
    before = x.copy()

    def gen():
        for i in range(0, 16, 4):
            yield x[i:i + 4], y[i:i + 4]
    _model().fit(gen(), epochs=1, verbose=0, augment=lambda b: b.add_(1.0))
    np.testing.assert_array_equal(x, before)


def test_a_users_folder_named_like_a_temporary_is_not_deleted(tmp_path):
    mine = tmp_path / ".notes.nnlab-tmp.999999.0123abcd"  # pid 999999: no such process
    (mine / "chapter").mkdir(parents=True)
    (mine / "thesis.txt").write_text("keep me")
    stale = tmp_path / ".m.nnlab.nnlab-tmp.999999.89abcdef"  # what a killed save leaves
    stale.mkdir()
    (stale / "m.nnlab").write_bytes(b"half a file")
    _model().save_weights(str(tmp_path / "m.nnlab"))
    assert (mine / "thesis.txt").read_text() == "keep me" and (mine / "chapter").is_dir()
    assert not stale.exists()
