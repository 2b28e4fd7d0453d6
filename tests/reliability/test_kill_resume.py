"""SIGKILL a resumable fit at random moments (some inside the checkpoint write) and
check the final weights are bit-identical to an uninterrupted run's.

The run uses a per-step learning-rate schedule, EarlyStopping (restore_best_weights)
and ReduceLROnPlateau, so the step counter, the callbacks' state, the optimizer state
and the RNG must all survive a kill. Default run: 10 kills; ``-m slow``: 40 more.
"""
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from nnlab.utils.io import is_temporary

SCRIPT = os.path.join(os.path.dirname(__file__), "kill_resume_script.py")


def _start(ckpt, out, slow_write):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.Popen([sys.executable, SCRIPT, str(ckpt), str(out), str(int(slow_write)),
                             DATA[0]],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


DATA = [""]  # the .npz of 600 digits, written once per module (real data: scikit-learn's)


def _finish(proc):
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-2000:]
    return out.split()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted run (same script, never killed)."""
    folder = tmp_path_factory.mktemp("reference")
    from sklearn.datasets import load_digits
    d = load_digits()
    DATA[0] = str(folder / "digits600.npz")
    np.savez(DATA[0], x=(d.data[:600] / 16.0).astype("float32"), y=d.target[:600])
    words = _finish(_start(folder / "ckpt", folder / "w.safetensors", False))
    return load_file(folder / "w.safetensors"), words[-3:]


def _kill_at_random(ckpt, out, kills, seed):
    """Start, wait for fit to begin, SIGKILL: half the time after a random delay, half
    the time as soon as a checkpoint write has started. Returns the kill log."""
    rng = random.Random(seed)
    log = []
    while len(log) < kills:
        proc = _start(ckpt, out, slow_write=True)
        line = proc.stdout.readline()
        if line.strip() != "fit":  # the run already finished: nothing left to kill
            _finish(proc)
            break
        if len(log) % 2 == 0:
            time.sleep(rng.uniform(0.0, 0.6))
            moment = "random"
        else:
            moment = "timeout"
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and proc.poll() is None:
                if any(is_temporary(n) for n in os.listdir(ckpt)):
                    moment = "during checkpoint write"
                    break
                time.sleep(0.002)
        if proc.poll() is not None:  # it finished the run before the kill: nothing left
            assert proc.returncode == 0, proc.stderr.read()[-2000:]
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        log.append((moment, proc.returncode))
    return log


def _run_with_kills(tmp_path, reference, kills, seed):
    ckpt, out = tmp_path / "ckpt", tmp_path / "w.safetensors"
    log = _kill_at_random(ckpt, out, kills, seed)
    words = _finish(_start(ckpt, out, slow_write=True))
    expected, summary = reference
    assert words[-3:] == summary  # same number of epochs and optimizer steps
    got = load_file(out)
    assert got.keys() == expected.keys()
    for key in expected:
        assert torch.equal(got[key], expected[key]), key
    assert sorted(os.listdir(ckpt)) == ["last.ckpt"]  # no temporaries, no lock left
    moments = [m for m, _ in log]
    print(f"\n{len(log)} SIGKILLs ({moments.count('during checkpoint write')} during a "
          f"checkpoint write), final weights bit-identical: {len(expected)} tensors, "
          f"{summary[1]} epochs, {summary[2]} optimizer steps")
    return log


def test_ten_sigkills_then_resume_is_bit_identical(tmp_path, reference):
    log = _run_with_kills(tmp_path, reference, kills=10, seed=1)
    assert len(log) == 10 and all(code == -signal.SIGKILL for _, code in log)
    assert sum(moment == "during checkpoint write" for moment, _ in log) >= 1, log


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(2, 6))
def test_forty_more_sigkills(tmp_path, reference, seed):
    log = _run_with_kills(tmp_path, reference, kills=10, seed=seed)
    assert len(log) == 10
