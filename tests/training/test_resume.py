"""Crash-safe resume: SIGKILL a training process at random moments and restart it."""
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

import nnlab
from nnlab.errors import ConfigError
from nnlab.layers import Dense

SCRIPT = os.path.join(os.path.dirname(__file__), "resume_script.py")


def _start(ckpt, out, epochs):
    return subprocess.Popen([sys.executable, SCRIPT, str(ckpt), str(out), str(epochs)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow  # the default run's kills are in tests/reliability/test_kill_resume.py
@pytest.mark.parametrize("attempt", range(5))
def test_sigkill_at_random_moment_then_resume(tmp_path, attempt):
    rng = random.Random(attempt)
    ckpt, out, epochs = tmp_path / "ckpt", tmp_path / "model.nnlab", 8
    proc = _start(ckpt, out, epochs)
    time.sleep(rng.uniform(1.0, 4.0))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc = _start(ckpt, out, epochs)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert stdout.strip().endswith(f"epochs {epochs}")
    model = nnlab.load_model(out)
    assert model.count_params() == 64 * 32 + 32 + 32 * 10 + 10
    leftovers = [f for f in os.listdir(ckpt) if f != "last.ckpt"] if ckpt.exists() else []
    assert leftovers == [] or all(f.endswith(".tmp") for f in leftovers)


def _digits():
    d = load_digits()
    return (d.data / 16.0).astype("float32"), d.target


def _model():
    model = nnlab.Sequential([Dense(16, input_shape=(64,), activation="relu"),
                              Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def test_resumed_run_equals_uninterrupted_run(tmp_path):
    x, y = _digits()
    nnlab.set_seed(1)
    full = _model()
    full.fit(x, y, epochs=4, verbose=0)
    nnlab.set_seed(1)
    part = _model()
    part.fit(x, y, epochs=2, verbose=0, checkpoint_dir=tmp_path)
    nnlab.set_seed(99)  # a restarted process has other RNG state until the checkpoint loads
    resumed = _model()
    history = resumed.fit(x, y, epochs=4, verbose=0, checkpoint_dir=tmp_path)
    assert len(history.history["loss"]) == 4
    for a, b in zip(full.parameters(), resumed.parameters()):
        assert torch.allclose(a, b, atol=1e-6)


def test_checkpoint_of_another_architecture_is_refused(tmp_path):
    x, y = _digits()
    _model().fit(x, y, epochs=1, verbose=0, checkpoint_dir=tmp_path)
    other = nnlab.Sequential([Dense(8, input_shape=(64,)), Dense(10, activation="softmax")])
    other.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ConfigError, match="another architecture"):
        other.fit(x, y, epochs=2, verbose=0, checkpoint_dir=tmp_path)


def test_corrupt_checkpoint_gives_clear_error(tmp_path):
    (tmp_path / "last.ckpt").write_bytes(b"garbage" * 10)
    x, y = _digits()
    with pytest.raises(ConfigError, match="Cannot read the resume checkpoint"):
        _model().fit(x, y, epochs=1, verbose=0, checkpoint_dir=tmp_path)
    assert np.isfinite(x).all()
