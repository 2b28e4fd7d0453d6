"""SIGTERM / SIGINT during ``fit(checkpoint_dir=...)`` save mid-epoch; the same fit
again resumes and ends bit-identical (weights and History) to an uninterrupted run
(issue 27, :mod:`nnlab.training.preemption`).

The fit of :mod:`preempt_case` is interrupted in this process at chosen points (after a
training step, during validation, inside the checkpoint write, in on_epoch_end), then
resumed; one test sends a real SIGTERM from outside to a subprocess.
"""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from nnlab.training.preemption import Preemption
from tests.reliability import preempt_case
from tests.training.test_custom_step import GuideModel  # Keras' guide train_step

STEPS_PER_EPOCH = 10  # 160 training samples / 16


@pytest.fixture(autouse=True)
def _no_stray_signals():
    """A signal that reaches no nnlab handler fails the test instead of ending pytest."""
    def stray(signum, frame):
        raise AssertionError(f"signal {signum} was not handled by fit")
    previous = signal.signal(signal.SIGTERM, stray)
    yield
    signal.signal(signal.SIGTERM, previous)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    model, history = preempt_case.run(str(tmp_path_factory.mktemp("ref")))
    return [v.clone() for v in model.state_dict().values()], history.history


def _same_as_reference(model, history, reference):
    weights, hist = reference
    for i, v in enumerate(model.state_dict().values()):  # by position: names are per run
        torch.testing.assert_close(v, weights[i], rtol=0, atol=0, msg=str(i))
    assert history.history == hist


def _interrupt(ckpt, trigger, sig=signal.SIGTERM, capsys=None):
    expected = SystemExit if sig == signal.SIGTERM else KeyboardInterrupt
    with pytest.raises(expected) as info:
        preempt_case.run(ckpt, trigger, sig)
    if sig == signal.SIGTERM:
        assert info.value.code == 0
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handlers back


@pytest.mark.parametrize("trigger, line", [
    (("step", 13), "saved epoch 2/4 at step 3/10"),
    (("step", 1), "saved epoch 1/4 at step 1/10"),
    (("step", 20), "saved epoch 2/4 at step 10/10"),
    (("val", 1), "saved the end of epoch 2/4"),
    (("write", 2), "saved the end of epoch 3/4"),
    (("epoch_end", 0), "saved the end of epoch 1/4"),
])
def test_sigterm_saves_and_the_resumed_run_is_bit_identical(tmp_path, reference, capsys,
                                                            trigger, line):
    ckpt = str(tmp_path / "ck")
    _interrupt(ckpt, trigger)
    err = capsys.readouterr().err
    assert f"SIGTERM received: {line} to {os.path.join(ckpt, 'last.ckpt')}" in err
    assert "again to resume" in err and err.count("\n") == 1
    model, history = preempt_case.run(ckpt)
    _same_as_reference(model, history, reference)


def test_sigint_saves_then_raises_keyboard_interrupt(tmp_path, reference, capsys):
    ckpt = str(tmp_path / "ck")
    _interrupt(ckpt, ("step", 27), signal.SIGINT)
    assert "SIGINT received: saved epoch 3/4 at step 7/10" in capsys.readouterr().err
    model, history = preempt_case.run(ckpt)
    _same_as_reference(model, history, reference)


def test_preempted_twice_in_one_epoch(tmp_path, reference):
    ckpt = str(tmp_path / "ck")
    _interrupt(ckpt, ("step", 12))
    _interrupt(ckpt, ("step", 4))  # 4 steps after the resume: step 16 of the run
    model, history = preempt_case.run(ckpt)
    _same_as_reference(model, history, reference)


def test_the_checkpoint_holds_the_step_within_the_epoch(tmp_path):
    ckpt = str(tmp_path / "ck")
    _interrupt(ckpt, ("step", 15))
    state = torch.load(os.path.join(ckpt, "last.ckpt"), weights_only=True)
    assert state["epoch"] == 0 and state["partial"]["epoch"] == 1
    assert state["partial"]["batches"] == 5
    assert len(state["partial"]["tracker"]["losses"]) == 5
    assert state["iterations"] == 15


def test_no_handler_without_a_checkpoint_dir():
    def check(*_):
        assert not isinstance(getattr(signal.getsignal(signal.SIGTERM), "__self__", None),
                              Preemption)
    from nnlab.callbacks import LambdaCallback
    x, y = preempt_case.data()
    import nnlab
    from nnlab.layers import Dense
    model = nnlab.Sequential([Dense(3, input_shape=(8,))])
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, verbose=0, callbacks=[LambdaCallback(on_epoch_end=check)])


@pytest.mark.slow  # two Python starts per case (about 10 s here)
@pytest.mark.parametrize("delay", [0.0, 0.2, 0.45])  # after epoch 1's checkpoint appears
def test_a_real_sigterm_from_outside_stops_within_seconds(tmp_path, reference, delay):
    ckpt, out = str(tmp_path / "ck"), str(tmp_path / "out.npz")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    script = preempt_case.__file__
    proc = subprocess.Popen([sys.executable, script, ckpt, out, "0.05"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not os.path.exists(os.path.join(ckpt, "last.ckpt")) and time.time() < deadline:
        time.sleep(0.05)  # wait for the end of epoch 1, then interrupt epoch 2
    time.sleep(delay)
    sent = time.time()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    stopped = time.time() - sent
    print(f"stopped {stopped:.2f} s after SIGTERM")
    assert proc.returncode == 0, err[-2000:]
    assert "SIGTERM received: saved" in err, err[-2000:]
    assert stopped < 2.0 + 0.5, stopped  # the step (~0.05 s) and the write, not an epoch
    proc = subprocess.run([sys.executable, script, ckpt, out, "0"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    saved = np.load(out)
    weights, hist = reference
    names = [k for k in saved.files if not k.startswith("history/")]
    for k, v in zip(names, weights):
        np.testing.assert_array_equal(saved[k], v.numpy(), err_msg=k)
    for k, v in hist.items():
        np.testing.assert_array_equal(saved[f"history/{k}"], np.array(v), err_msg=k)


def _own_step_run(ckpt, trigger=None):
    import nnlab
    from nnlab.callbacks import LambdaCallback
    from nnlab.layers import Dense, Dropout
    nnlab.set_seed(0)
    x, y = preempt_case.data()
    inputs = nnlab.Input(shape=(8,))
    out = Dense(3, activation="softmax")(Dropout(0.2)(Dense(8, activation="relu")(inputs)))
    model = GuideModel(inputs, out)  # its metrics' sums live in model.metrics
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    count = [0]

    def batch_end(batch, logs):
        count[0] += 1
        if trigger == count[0]:
            os.kill(os.getpid(), signal.SIGTERM)
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0, checkpoint_dir=ckpt,
                        callbacks=[LambdaCallback(on_train_batch_end=batch_end)])
    return model, history


def test_a_models_own_train_step_resumes_mid_epoch_bit_identically(tmp_path):
    model, history = _own_step_run(str(tmp_path / "ref"))
    reference = [v.clone() for v in model.state_dict().values()], history.history
    ckpt = str(tmp_path / "ck")
    with pytest.raises(SystemExit):
        _own_step_run(ckpt, trigger=17)  # epoch 2, step 4 of 13
    model, history = _own_step_run(ckpt)
    _same_as_reference(model, history, reference)


def _small_run(ckpt, make_data, stop_at=None, **fit_kwargs):
    import nnlab
    from nnlab.callbacks import LambdaCallback
    from nnlab.layers import Dense, Dropout
    nnlab.set_seed(0)
    model = nnlab.Sequential([Dense(8, input_shape=(8,), activation="relu"), Dropout(0.2),
                              Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    count = [0]

    def batch_end(batch, logs):
        count[0] += 1
        if count[0] == stop_at:
            os.kill(os.getpid(), signal.SIGTERM)
    history = model.fit(*make_data(), epochs=3, verbose=0, checkpoint_dir=ckpt,
                        callbacks=[LambdaCallback(on_train_batch_end=batch_end)], **fit_kwargs)
    return model, history


def _arrays():
    return preempt_case.data()


def _loader():
    from torch.utils.data import DataLoader, TensorDataset
    x, y = preempt_case.data()
    return (DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=16,
                       shuffle=True),)


@pytest.mark.parametrize("make_data, kwargs, stop_at", [
    (_arrays, {"steps_per_epoch": 4, "batch_size": 16}, 6),  # the walk over passes
    (_loader, {}, 17),                                       # a shuffling DataLoader
])
def test_other_data_kinds_resume_mid_epoch_bit_identically(tmp_path, make_data, kwargs,
                                                           stop_at):
    model, history = _small_run(str(tmp_path / "ref"), make_data, **kwargs)
    reference = [v.clone() for v in model.state_dict().values()], history.history
    ckpt = str(tmp_path / "ck")
    with pytest.raises(SystemExit):
        _small_run(ckpt, make_data, stop_at=stop_at, **kwargs)
    model, history = _small_run(ckpt, make_data, **kwargs)
    _same_as_reference(model, history, reference)
