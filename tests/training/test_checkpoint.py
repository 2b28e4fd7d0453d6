"""Faithful resume (schedules, callbacks' state) and refusing another run's checkpoint."""
import os
import warnings

import pytest
import torch
from sklearn.datasets import load_digits

import nnlab
from nnlab.errors import ConfigError
from nnlab.layers import Dense
from nnlab.schedules import ExponentialDecay
from nnlab.callbacks import (Callback, EarlyStopping, ModelCheckpoint,
                                      ReduceLROnPlateau)
from nnlab.training.checkpoint import CheckpointState


def _digits(n=600):
    d = load_digits()
    return (d.data[:n] / 16.0).astype("float32"), d.target[:n]


def _model(units=16, lr=0.05):
    model = nnlab.Sequential([Dense(units, input_shape=(64,), activation="relu"),
                              Dense(10, activation="softmax")])
    schedule = ExponentialDecay(lr, decay_steps=3, decay_rate=0.8)  # per-step schedule
    model.compile(nnlab.optimizers.SGD(learning_rate=schedule, momentum=0.9),
                  "sparse_categorical_crossentropy")
    return model


class _Crash(Callback):
    """Simulates a crash right after the checkpoint of epoch ``after`` was written."""

    def __init__(self, after):
        super().__init__()
        self.after = after

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.after + 1:
            raise KeyboardInterrupt("simulated crash")


def _callbacks(tmp_path):
    return [EarlyStopping(monitor="val_loss", patience=2, min_delta=0.02,
                          restore_best_weights=True),
            ReduceLROnPlateau(monitor="val_loss", patience=1, factor=0.5),
            ModelCheckpoint(str(tmp_path / "best.nnlab"), save_best_only=True)]


def _fit(model, ckpt, tmp_path, extra=()):
    x, y = _digits()
    return model.fit(x, y, epochs=12, batch_size=50, verbose=0, validation_split=0.25,
                     checkpoint_dir=ckpt, callbacks=_callbacks(tmp_path) + list(extra))


def test_resume_with_per_step_schedule_and_callbacks_is_bit_identical(tmp_path):
    """Defect 2: the step counter and the callbacks' state were not in the checkpoint."""
    nnlab.set_seed(3)
    full = _model()
    full_hist = _fit(full, None, tmp_path / "a")
    assert len(full_hist.history["loss"]) < 12  # EarlyStopping really stopped the run
    ckpt = tmp_path / "ckpt"
    for crash_after in (1, 3):  # crash twice, each time in a fresh model object
        nnlab.set_seed(3 if crash_after == 1 else 100 + crash_after)  # the same run
        with pytest.raises(KeyboardInterrupt):
            _fit(_model(), ckpt, tmp_path / "b", [_Crash(crash_after)])
    nnlab.set_seed(999)
    resumed = _model()
    hist = _fit(resumed, ckpt, tmp_path / "b")
    assert hist.history["loss"] == full_hist.history["loss"]
    assert resumed.compiled.iterations == full.compiled.iterations
    for (k, a), b in zip(full.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), k


def _plain_fit(model, x, y, ckpt, epochs=2, **kw):
    return model.fit(x, y, epochs=epochs, batch_size=50, verbose=0, checkpoint_dir=ckpt, **kw)


@pytest.mark.parametrize("change, match", [
    ("architecture", "another architecture"),
    ("optimizer", "another optimizer"),
    ("data", r"other data \(samples: checkpoint 600 vs this fit 500"),
    ("features", r"other data \(x: checkpoint \[\[64\]"),
])
def test_stale_checkpoint_of_another_run_is_refused(tmp_path, change, match):
    """Defect 3: a stale or shared checkpoint_dir silently took over a new fit."""
    x, y = _digits()
    _plain_fit(_model(), x, y, tmp_path)
    model = _model(units=8) if change == "architecture" else _model()
    if change == "optimizer":
        model.compile("adam", "sparse_categorical_crossentropy")
    if change == "data":
        x, y = x[:500], y[:500]
    if change == "features":
        x = x[:, :32]
        model = nnlab.Sequential([Dense(16, input_shape=(32,), activation="relu"),
                                  Dense(10, activation="softmax")])
        model.compile("sgd", "sparse_categorical_crossentropy")
    before = [p.clone() for p in model.parameters()]
    stamp = os.path.getmtime(tmp_path / "last.ckpt")
    with pytest.raises(ConfigError, match=match):
        _plain_fit(model, x, y, tmp_path)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert os.path.getmtime(tmp_path / "last.ckpt") == stamp


def test_restart_option_warns_and_trains_afresh(tmp_path):
    x, y = _digits()
    _plain_fit(_model(units=8), x, y, tmp_path)
    nnlab.set_seed(5)
    fresh = _model()
    _plain_fit(fresh, x, y, None)
    nnlab.set_seed(5)
    model = _model()
    with pytest.warns(UserWarning, match="another run.*starting afresh"):
        hist = _plain_fit(model, x, y, tmp_path, checkpoint_mismatch="restart")
    assert len(hist.history["loss"]) == 2
    assert all(torch.equal(a, b) for a, b in zip(fresh.parameters(), model.parameters()))
    with pytest.raises(ValueError, match="checkpoint_mismatch must be one of"):
        _plain_fit(model, x, y, tmp_path, checkpoint_mismatch="maybe")


def test_fewer_epochs_than_the_checkpoint_holds_is_an_error(tmp_path):
    x, y = _digits()
    _plain_fit(_model(), x, y, tmp_path, epochs=5)
    with pytest.raises(ConfigError, match="already holds 5 completed epochs.*epochs=3"):
        _plain_fit(_model(), x, y, tmp_path, epochs=3)


def test_finished_run_says_so_and_more_epochs_extend_it(tmp_path):
    x, y = _digits()
    _plain_fit(_model(), x, y, tmp_path, epochs=2)
    with pytest.warns(UserWarning, match="finished run of 2 epoch.*nothing left to train"):
        hist = _plain_fit(_model(), x, y, tmp_path, epochs=2)
    assert len(hist.history["loss"]) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hist = _plain_fit(_model(), x, y, tmp_path, epochs=3)
    assert len(hist.history["loss"]) == 3


def test_a_locked_checkpoint_dir_is_refused(tmp_path):
    x, y = _digits()
    with CheckpointState(tmp_path):  # another fit holds the folder
        with pytest.raises(ConfigError, match=rf"in use by another running fit \(pid {os.getpid()}"):
            _plain_fit(_model(), x, y, tmp_path)
    _plain_fit(_model(), x, y, tmp_path)  # released: usable again
    assert sorted(os.listdir(tmp_path)) == ["last.ckpt"]


def test_checkpoint_holds_a_list_of_optimizer_states(tmp_path):
    x, y = _digits()
    model = _model()
    _plain_fit(model, x, y, tmp_path)
    state = torch.load(tmp_path / "last.ckpt", weights_only=True)
    assert isinstance(state["optimizers"], list) and len(state["optimizers"]) == 1
    assert state["iterations"] == model.compiled.iterations == 2 * 12
