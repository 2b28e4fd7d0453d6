"""A full disk or a read-only folder gives one clear error (issue 27): a
:class:`~nnlab.errors.FileWriteError` (an ``OSError``) naming the file, the bytes needed
and free, and what was kept; no partial file, the previous file intact.

Faults are injected (no small tmpfs can be mounted here): a writer that stops half-way
with the error the real library gives on ENOSPC, or a reported free space smaller than
the file.
"""
import errno
import os

import numpy as np
import pytest
import safetensors.torch
import torch
from safetensors import SafetensorError

import nnlab
from nnlab.errors import FileWriteError
from nnlab.layers import Dense
from nnlab.training import checkpoint as checkpoint_mod
from nnlab.utils import io as io_mod

ENOSPC_SAFETENSORS = ('Error while serializing: IoError(Os { code: 28, kind: StorageFull, '
                      'message: "No space left on device" })')


def _model(seed=0):
    nnlab.set_seed(seed)
    model = nnlab.Sequential([Dense(64, input_shape=(32,)), Dense(3)])
    model.compile("adam", "mse")
    return model


def _litter(folder):
    return sorted(n for n in os.listdir(folder) if io_mod.TMP_MARKER in n)


@pytest.mark.parametrize("how", ["save", "save_weights"])
def test_a_full_disk_during_save_keeps_the_previous_file(tmp_path, monkeypatch, how):
    path = str(tmp_path / "m.nnlab")
    getattr(_model(0), how)(path)
    before = open(path, "rb").read()
    real = safetensors.torch.save_file

    def save_file(tensors, p, metadata=None):
        real(tensors, p, metadata=metadata)
        raise SafetensorError(ENOSPC_SAFETENSORS)
    monkeypatch.setattr(safetensors.torch, "save_file", save_file)
    with pytest.raises(FileWriteError) as info:
        getattr(_model(1), how)(path)
    err = info.value
    assert isinstance(err, OSError) and err.errno == errno.ENOSPC and err.filename == path
    text = str(err)
    assert path in text and "not enough disk space" in text and "free in" in text
    assert "previous m.nnlab is unchanged" in text and "model in memory is unchanged" in text
    assert open(path, "rb").read() == before and _litter(tmp_path) == []


def test_a_save_larger_than_the_free_space_is_refused_before_writing(tmp_path, monkeypatch):
    monkeypatch.setattr(io_mod, "free_bytes", lambda folder: 1000)
    path = str(tmp_path / "m.nnlab")
    with pytest.raises(FileWriteError, match=r"refused before writing.*needs \d{1,2},\d{3} bytes "
                                             r"\(\d+\.\d KiB\), 1,000 bytes free"):
        _model().save(path)
    assert os.listdir(tmp_path) == []


def test_a_read_only_folder_names_the_file(tmp_path, monkeypatch):
    def read_only(path, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", path)
    monkeypatch.setattr(io_mod.os, "mkdir", read_only)
    path = str(tmp_path / "m.nnlab")
    with pytest.raises(FileWriteError, match=r"m\.nnlab.*Read-only file system \(errno 30\)"
                                             r".*no file was written there"):
        _model().save(path)


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(64, 32)).astype("float32"), rng.normal(size=(64, 3)).astype("float32")


def test_fit_refuses_a_checkpoint_dir_without_space_before_training(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoint_mod, "free_bytes", lambda folder: 10)
    model = _model()
    before = [p.detach().clone() for p in model.parameters()]
    with pytest.raises(FileWriteError, match=r"last\.ckpt.*refused before writing.*"
                                             r"10 bytes free.*nothing was trained yet"):
        model.fit(*_data(), epochs=2, verbose=0, checkpoint_dir=str(tmp_path / "ck"))
    for a, b in zip(before, model.parameters()):
        torch.testing.assert_close(a, b.detach(), rtol=0, atol=0)


def test_a_full_disk_at_an_epoch_end_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    ck = tmp_path / "ck"
    real_save = torch.save
    epochs_written = []

    def save(obj, path, *args, **kwargs):  # torch's own failure on a full disk
        if isinstance(obj, dict) and obj.get("epoch") == 1:
            with open(path, "wb") as f:
                f.write(b"PK\x03\x04partial")
            monkeypatch.setattr(io_mod, "free_bytes", lambda folder: 0)
            raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos "
                               "10368 vs 10262")
        epochs_written.append(obj.get("epoch"))
        return real_save(obj, path, *args, **kwargs)
    monkeypatch.setattr(torch, "save", save)
    with pytest.raises(FileWriteError) as info:
        _model().fit(*_data(), epochs=3, verbose=0, checkpoint_dir=str(ck))
    text = str(info.value)
    assert str(ck / "last.ckpt") in text and "needs" in text and "0 bytes free" in text
    assert "weights after epoch 2" in text and "previous one" in text
    assert epochs_written == [0] and _litter(ck) == []
    assert torch.load(ck / "last.ckpt", weights_only=True)["epoch"] == 0
    monkeypatch.setattr(torch, "save", real_save)
    monkeypatch.undo()
    h = _model().fit(*_data(), epochs=3, verbose=0, checkpoint_dir=str(ck))  # lock released
    assert len(h.history["loss"]) == 3
