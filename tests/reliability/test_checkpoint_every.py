"""``fit(checkpoint_dir=d, checkpoint_every=N)``: a mid-epoch checkpoint every N steps
(issue 27). A process that dies without saving anything (SIGKILL, a crash) resumes from
the last of them and ends bit-identical (weights and History) to a run that was never
interrupted, and to one without ``checkpoint_every`` (the saves change nothing).

The fit is :mod:`preempt_case`'s (Dropout, shuffling, a validation split, accuracy, a
per-step schedule, ReduceLROnPlateau, EarlyStopping): 10 steps per epoch, 4 epochs.
"""
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch

import nnlab
from nnlab.layers import Dense
from nnlab.training.preemption import Preemption
from tests.reliability import preempt_case
from tests.reliability.test_preemption import _same_as_reference


@pytest.fixture(scope="module")
def reference(tmp_path_factory):  # no checkpoint_every: the saves must change nothing
    model, history = preempt_case.run(str(tmp_path_factory.mktemp("ref")))
    return [v.clone() for v in model.state_dict().values()], history.history


def _partial(ckpt):
    state = torch.load(os.path.join(ckpt, "last.ckpt"), weights_only=True)
    return state, state.get("partial")


@pytest.mark.parametrize("every, crash_at, epoch, batches", [
    (3, 17, 1, 6),   # epoch 2: saved after its steps 3 and 6, crash after step 7
    (4, 9, 0, 8),    # epoch 1: saved after steps 4 and 8, crash after step 9
    (3, 21, 2, 0),   # epoch 3, step 1: the last checkpoint is epoch 2's end (no partial)
])
def test_a_crash_resumes_from_the_last_step_checkpoint_bit_identically(
        tmp_path, reference, every, crash_at, epoch, batches):
    ckpt = str(tmp_path / "ck")
    with pytest.raises(preempt_case.Crash):
        preempt_case.run(ckpt, ("crash", crash_at), checkpoint_every=every)
    state, partial = _partial(ckpt)
    if batches:
        assert partial["epoch"] == epoch and partial["batches"] == batches
        assert state["iterations"] == 10 * epoch + batches
    else:
        assert partial is None and state["epoch"] == epoch - 1
    model, history = preempt_case.run(ckpt, checkpoint_every=every)
    _same_as_reference(model, history, reference)


def test_an_uninterrupted_run_with_step_saves_equals_one_without(tmp_path, reference):
    model, history = preempt_case.run(str(tmp_path / "ck"), checkpoint_every=1)
    _same_as_reference(model, history, reference)


def test_sigkill_in_a_subprocess_then_resume_is_bit_identical(tmp_path, reference):
    """A real SIGKILL (nothing gets to save) after step 17 of the run (epoch 2, step 7):
    with checkpoint_every=4 the last checkpoint is epoch 2's step 4, and the resumed run
    (another process) starts from it."""
    ckpt, out = str(tmp_path / "ck"), str(tmp_path / "out.npz")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.run([sys.executable, preempt_case.__file__, ckpt, out, "0", "4", "17"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert not os.path.exists(out)
    state, partial = _partial(ckpt)
    assert partial["epoch"] == 1 and partial["batches"] == 4  # step 14 of the run
    assert state["iterations"] == 14
    assert sorted(os.listdir(ckpt)) == [".lock", "last.ckpt"]  # no temporaries left
    model, history = preempt_case.run(ckpt, checkpoint_every=4)
    _same_as_reference(model, history, reference)


def test_without_checkpoint_every_nothing_is_saved_mid_epoch(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(Preemption, "save_mid_epoch", lambda *a: calls.append(a))
    preempt_case.run(str(tmp_path / "ck"), epochs=1)
    assert calls == []
    preempt_case.run(str(tmp_path / "ck2"), epochs=1, checkpoint_every=4)
    assert [c[3] for c in calls] == [4, 8]  # the steps within the epoch


@pytest.mark.parametrize("every, kwargs, expected", [
    (0, {"checkpoint_dir": "ck"}, "an int >= 1"),
    (-3, {"checkpoint_dir": "ck"}, "an int >= 1"),
    (2.5, {"checkpoint_dir": "ck"}, "an int >= 1"),
    (True, {"checkpoint_dir": "ck"}, "an int >= 1"),
    ("10", {"checkpoint_dir": "ck"}, "an int >= 1"),
    (10, {}, "needs checkpoint_dir"),
])
def test_bad_checkpoint_every_is_refused_before_any_work(tmp_path, monkeypatch, every,
                                                          kwargs, expected):
    monkeypatch.chdir(tmp_path)
    x, y = preempt_case.data()
    model = nnlab.Sequential([Dense(3, input_shape=(8,))])
    model.compile("sgd", "sparse_categorical_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=f"checkpoint_every.*{expected}"):
        model.fit(x, y, epochs=1, verbose=0, checkpoint_every=every, **kwargs)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert os.listdir(tmp_path) == []
