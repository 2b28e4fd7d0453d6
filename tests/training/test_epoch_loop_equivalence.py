"""One epoch loop for both steps (issue 23, point 3): a model whose ``train_step`` /
``test_step`` do what the built-in (fused) step does gives the same History, the same
callback event sequence, the same checkpoint contents and the same NaN behaviour as the
built-in step. Data: sklearn's digits (classification) and a known-answer linear
regression."""
import json
import os

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

import nnlab
from nnlab.layers import Dense
from nnlab.callbacks import Callback, EarlyStopping, LambdaCallback, TerminateOnNaN
from nnlab.training.custom_step import overrides
from nnlab.training.progress import Progress


class SameAsBuiltin(nnlab.Sequential):
    """Keras 3's custom-step idiom, doing what the built-in step does."""

    def train_step(self, data):
        x, y = data
        y_pred = self(x, training=True)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred)
        self.zero_grad()
        loss.backward()
        weights = self.trainable_weights
        with torch.no_grad():
            self.optimizer.apply([w.value.grad for w in weights], weights)
        return self._track(loss, x, y, y_pred)

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        return self._track(self.compute_loss(x=x, y=y, y_pred=y_pred), x, y, y_pred)

    def _track(self, loss, x, y, y_pred):
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss, sample_weight=len(x))  # per-sample mean, as fit
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


class Events(Callback):
    """Every event with its epoch/batch index and its logs."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def _add(self, name, index=None, logs=None):
        self.seen.append((name, index, dict(logs or {})))

    def on_train_begin(self, logs=None): self._add("on_train_begin")  # noqa: E704
    def on_train_end(self, logs=None): self._add("on_train_end")  # noqa: E704
    def on_epoch_begin(self, epoch, logs=None): self._add("on_epoch_begin", epoch)  # noqa
    def on_epoch_end(self, epoch, logs=None): self._add("on_epoch_end", epoch, logs)  # noqa
    def on_train_batch_begin(self, batch, logs=None): self._add("batch_begin", batch)  # noqa
    def on_train_batch_end(self, batch, logs=None): self._add("batch_end", batch, logs)  # noqa


@pytest.fixture(autouse=True)
def _deterministic_guard(monkeypatch):
    # The display refresh (and the NaN guard's reads with it) is time-based, and so is
    # the guard's weight-copy throttle: fixed here so both runs check at the same points.
    monkeypatch.setattr(Progress, "due", lambda self, now: False)
    monkeypatch.setattr(TerminateOnNaN, "_COST_FACTOR", 0.0)


def _digits(n=320):
    d = load_digits()
    x, y = (d.data / 16.0).astype("float32"), d.target.astype("int64")
    return (x[:n], y[:n]), (x[n:n + 160], y[n:n + 160])


def _classifier(cls, seed=0):
    nnlab.set_seed(seed)
    model = cls([Dense(16, activation="tanh", input_shape=(64,), name="hidden"),
                 Dense(10, activation="softmax", name="out")])
    model.compile(nnlab.optimizers.SGD(learning_rate=0.2, momentum=0.5),
                  "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _regressor(cls, loss="mse", lr=0.05, seed=0):
    nnlab.set_seed(seed)
    model = cls([Dense(8, input_shape=(4,), name="hidden"), Dense(1, name="out")])
    model.compile(nnlab.optimizers.SGD(learning_rate=lr), loss)
    return model


def _linear(n=96):
    """Known answer: y = x @ [1, -2, 3, 0.5] + 1."""
    x = np.random.default_rng(0).normal(size=(n, 4)).astype("float32")
    return x, (x @ np.array([1.0, -2.0, 3.0, 0.5], "float32") + 1.0)[:, None]


def _close_logs(a, b):
    assert list(a) == list(b)
    np.testing.assert_allclose([a[k] for k in a], [b[k] for k in b], rtol=2e-4, atol=1e-6)


def _same_events(a, b):
    assert [(e, i) for e, i, _ in a] == [(e, i) for e, i, _ in b]
    for (_, _, la), (_, _, lb) in zip(a, b):
        _close_logs(la, lb)


def _fit_both(make, *fit_args, callbacks=lambda model: [], **fit_kwargs):
    out = []
    for cls in (nnlab.Sequential, SameAsBuiltin):
        model = make(cls)
        events = Events()
        history = model.fit(*fit_args, callbacks=[events] + callbacks(model), **fit_kwargs)
        out.append((model, history, events.seen))
    return out


def test_history_and_callback_events_are_the_same():
    (x, y), val = _digits()
    (m0, h0, e0), (m1, h1, e1) = _fit_both(_classifier, x, y, epochs=3, batch_size=32,
                                           shuffle=False, verbose=0, validation_data=val)
    assert not overrides(m0) and overrides(m1)  # the two paths, not one twice
    assert h0.epoch == h1.epoch == [0, 1, 2]
    assert list(h0.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    _close_logs({k: v[-1] for k, v in h0.history.items()},
                {k: v[-1] for k, v in h1.history.items()})
    for key in h0.history:
        np.testing.assert_allclose(h0.history[key], h1.history[key], rtol=2e-4, atol=1e-6)
    assert [e for e, _, _ in e0[:4]] == ["on_train_begin", "on_epoch_begin", "batch_begin",
                                         "batch_end"]
    assert len(e0) == 1 + 3 * (2 + 2 * 10) + 1
    _same_events(e0, e1)
    assert m0.history is h0 and m1.history is h1
    for p0, p1 in zip(m0.parameters(), m1.parameters()):
        torch.testing.assert_close(p0, p1, rtol=1e-4, atol=1e-5)


def test_history_is_the_last_callback_in_both():
    """Keras 3: History records the logs as the callbacks before it left them."""
    x, y = _linear()

    def add_entry(model):
        return [LambdaCallback(on_epoch_end=lambda epoch, logs: logs.update(extra=epoch + 0.5))]

    runs = _fit_both(_regressor, x, y, epochs=2, batch_size=16, verbose=0,
                     callbacks=add_entry)
    for _, history, _ in runs:
        assert history.history["extra"] == [0.5, 1.5]


def _checkpoint(directory):
    return sorted(os.listdir(directory)), torch.load(os.path.join(directory, "last.ckpt"),
                                                      weights_only=True)


def _torch_state(entry):
    """The torch optimizer state of a checkpoint entry (the custom path stores the
    optimizer spec's state: the torch state and the spec's step count)."""
    return entry["torch"] if "torch" in entry else entry


def test_checkpoint_contents_are_the_same(tmp_path):
    (x, y), val = _digits()
    dirs = [tmp_path / "builtin", tmp_path / "custom"]
    runs = []
    for cls, directory in zip((nnlab.Sequential, SameAsBuiltin), dirs):
        model = _classifier(cls)
        model.fit(x, y, epochs=3, batch_size=32, verbose=0, validation_data=val,
                  checkpoint_dir=directory,
                  callbacks=[EarlyStopping(monitor="val_loss", patience=5)])
        runs.append(_checkpoint(directory))
    (files0, c0), (files1, c1) = runs
    assert files0 == files1 == ["last.ckpt"]
    assert set(c0) == set(c1)
    for key in ("format", "version", "epoch", "epochs", "stopped"):
        assert c0[key] == c1[key], key
    assert list(c0["model"]) == list(c1["model"]) == ["hidden.kernel", "hidden.bias",
                                                      "out.kernel", "out.bias"]
    for name in c0["model"]:
        torch.testing.assert_close(c0["model"][name], c1["model"][name], rtol=1e-4,
                                   atol=1e-5)
    h0, h1 = json.loads(c0["history"]), json.loads(c1["history"])
    assert h0["epoch"] == h1["epoch"] == [0, 1, 2]
    for key in h0["history"]:
        np.testing.assert_allclose(h0["history"][key], h1["history"][key], rtol=2e-4)
    assert list(c0["callbacks"]) == list(c1["callbacks"]) == ["0:EarlyStopping"]
    s0, s1 = c0["callbacks"]["0:EarlyStopping"], c1["callbacks"]["0:EarlyStopping"]
    assert (s0["wait"], s0["best_epoch"]) == (s1["wait"], s1["best_epoch"])
    assert s0["best"] == pytest.approx(s1["best"], rel=2e-4)
    assert len(c0["optimizers"]) == len(c1["optimizers"]) == 1
    t0, t1 = _torch_state(c0["optimizers"][0]), _torch_state(c1["optimizers"][0])
    assert t0["param_groups"] == t1["param_groups"]
    for i in t0["state"]:
        torch.testing.assert_close(t0["state"][i]["momentum_buffer"],
                                   t1["state"][i]["momentum_buffer"], rtol=1e-3, atol=1e-5)
    assert c0["iterations"] == c1["optimizers"][0]["iterations"] == 3 * 10  # steps taken
    for key in c0["rng"]:
        assert type(c0["rng"][key]) is type(c1["rng"][key])


def _sentinel_mse(y_true, y_pred):
    """Per-sample squared error; NaN for a sample whose target is the sentinel 999."""
    nan_where_sentinel = torch.where(y_true[..., 0] > 500, float("nan"), 1.0)
    return torch.mean(torch.square(y_pred - y_true), dim=-1) * nan_where_sentinel


def test_a_loss_that_goes_nan_stops_both_the_same_way():
    x, y = _linear()
    y = y.copy()
    y[40] = 999.0  # batch 3 (0-based 2) of 16 with shuffle=False
    runs, guards = [], []
    for cls in (nnlab.Sequential, SameAsBuiltin):
        model = _regressor(cls, loss=_sentinel_mse)
        initial = [p.detach().clone() for p in model.parameters()]
        guard, events = TerminateOnNaN(), Events()
        with pytest.warns(RuntimeWarning, match=r"Loss became NaN or inf at epoch 1, step 3: "
                                                r"training stopped.*restored to the last "
                                                r"finite ones, checked before training"):
            history = model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0,
                                callbacks=[events, guard])
        runs.append((history, events.seen))
        guards.append(guard)
        assert model.stop_training
        for p, p0 in zip(model.parameters(), initial):  # the last finite weights: initial
            assert torch.equal(p, p0)
    (h0, e0), (h1, e1) = runs
    assert h0.history == h1.history == {} and h0.epoch == h1.epoch == []
    assert [(g.nan_epoch, g.nan_step, g.restored_from) for g in guards] == [(1, 3, (0, 0))] * 2
    # the epoch that went NaN ends without on_epoch_end; on_train_end still comes
    assert [e for e, _, _ in e0][-2:] == ["batch_end", "on_train_end"]
    assert "on_epoch_end" not in [e for e, _, _ in e0]
    assert [(e, i) for e, i, _ in e0] == [(e, i) for e, i, _ in e1]


def test_divergence_in_a_later_epoch_restores_the_same_weights():
    x, y = _linear()

    def explode(model):  # a learning rate that overflows the weights from epoch 2 on
        return [LambdaCallback(on_epoch_begin=lambda epoch, logs: epoch == 1 and
                               model.compiled.set_learning_rate(1e30))]

    runs = []
    for cls in (nnlab.Sequential, SameAsBuiltin):
        model = _regressor(cls)
        guard, events = TerminateOnNaN(), Events()
        with pytest.warns(RuntimeWarning, match="NaN or inf at epoch 2"):
            history = model.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0,
                                callbacks=[events, guard] + explode(model))
        runs.append((model, history, guard, events.seen))
    (m0, h0, g0, e0), (m1, h1, g1, e1) = runs
    assert (g0.nan_epoch, g0.nan_step, g0.restored_from) == \
        (g1.nan_epoch, g1.nan_step, g1.restored_from) == (2, 2, (0, 6))
    assert h0.epoch == h1.epoch == [0]
    np.testing.assert_allclose(h0.history["loss"], h1.history["loss"], rtol=1e-5)
    assert [(e, i) for e, i, _ in e0] == [(e, i) for e, i, _ in e1]
    for p0, p1 in zip(m0.parameters(), m1.parameters()):  # both: end of epoch 1
        assert bool(torch.isfinite(p0).all())
        torch.testing.assert_close(p0, p1, rtol=1e-5, atol=1e-6)
