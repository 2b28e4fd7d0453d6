import csv

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

import nnlab
from nnlab.layers import Dense
from nnlab.callbacks import (CSVLogger, Callback, EarlyStopping, LearningRateScheduler,
                                      ModelCheckpoint, ReduceLROnPlateau)


@pytest.fixture(scope="module")
def data():
    d = load_digits()
    return (d.data / 16.0).astype("float32"), d.target


def model_for(lr=1e-3):
    model = nnlab.Sequential([Dense(32, input_shape=(64,), activation="relu"),
                              Dense(10, activation="softmax")])
    model.compile(nnlab.optimizers.Adam(learning_rate=lr),
                  "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_early_stopping_restores_best_weights(data):
    x, y = data
    model = model_for(lr=0.05)
    stop = EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)
    history = model.fit(x, y, epochs=40, validation_split=0.2, callbacks=[stop], verbose=0)
    assert len(history.history["loss"]) < 40
    best = min(history.history["val_loss"])
    cut = int(len(x) * (1 - 0.2))  # Keras trains on the first floor(n * 0.8)
    val_x, val_y = x[cut:], y[cut:]
    assert model.evaluate(val_x, val_y, verbose=0)[0] == pytest.approx(best, rel=1e-4)


def test_model_checkpoint_best_only(data, tmp_path):
    x, y = data
    model = model_for()
    path = tmp_path / "best.nnlab"
    snapshots, val_losses = [], []
    probe = nnlab.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: (
        snapshots.append(model.get_weights()), val_losses.append(logs["val_loss"])))
    # epoch 3 jumps with a huge rate, so the best epoch is not the last one
    sched = LearningRateScheduler(lambda epoch: 5.0 if epoch == 2 else 1e-2)
    model.fit(x, y, epochs=3, validation_split=0.2, verbose=0,
              callbacks=[sched, ModelCheckpoint(str(path), save_best_only=True), probe])
    best = int(np.argmin(val_losses))
    assert best != 2, val_losses
    loaded = nnlab.load_model(path)
    assert loaded.count_params() == model.count_params()
    for kept, expected in zip(loaded.get_weights(), snapshots[best]):
        np.testing.assert_array_equal(kept, expected)
    assert any(not np.array_equal(a, b) for a, b in zip(loaded.get_weights(),
                                                        model.get_weights()))
    model.fit(x, y, epochs=2, verbose=0,
              callbacks=[ModelCheckpoint(str(tmp_path / "e{epoch:02d}.nnlab"),
                                         monitor="loss")])
    assert (tmp_path / "e01.nnlab").exists() and (tmp_path / "e02.nnlab").exists()


def test_learning_rate_scheduler_and_reduce_on_plateau(data):
    x, y = data
    model = model_for()
    seen = []
    sched = LearningRateScheduler(lambda epoch: 0.01 / (1 + epoch))
    probe = nnlab.callbacks.LambdaCallback(
        on_epoch_end=lambda e, logs: seen.append(logs["learning_rate"]))
    model.fit(x[:200], y[:200], epochs=3, verbose=0, callbacks=[sched, probe])
    assert seen == pytest.approx([0.01, 0.005, 0.01 / 3])
    model = model_for()
    plateau = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=10.0)
    model.fit(x[:200], y[:200], epochs=3, verbose=0, callbacks=[plateau])
    assert model.compiled.optimizer.param_groups[0]["lr"] == pytest.approx(1e-3 * 0.25)


def test_csv_logger(data, tmp_path):
    x, y = data
    path = tmp_path / "log.csv"
    model_for().fit(x[:200], y[:200], epochs=2, verbose=0, callbacks=[CSVLogger(str(path))])
    rows = list(csv.reader(open(path)))
    assert rows[0] == ["epoch", "accuracy", "loss"] and len(rows) == 3


def test_history_plot_writes_png(data, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    x, y = data
    from matplotlib.figure import Figure
    history = model_for().fit(x[:300], y[:300], epochs=2, validation_split=0.2, verbose=0)
    drawn = {}
    save = Figure.savefig

    def spy(fig, *args, **kwargs):  # read the curves off the figure as it is written
        for ax in fig.axes:
            drawn[ax.get_title()] = {ln.get_label(): (list(ln.get_xdata()), list(ln.get_ydata()))
                                     for ln in ax.get_lines()}
        return save(fig, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    out = history.plot(str(tmp_path / "curves.png"))
    with open(out, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert set(drawn) == {"loss", "accuracy"}
    for name, lines in drawn.items():
        assert lines == {f"train {name}": ([1, 2], history.history[name]),
                         f"val {name}": ([1, 2], history.history[f"val_{name}"])}


def test_clipnorm_bounds_updates(data):
    x, y = data
    model = nnlab.Sequential([Dense(10, input_shape=(64,), activation="softmax")])
    model.compile(nnlab.optimizers.SGD(learning_rate=1.0, clipnorm=1e-3),
                  "sparse_categorical_crossentropy")
    before = [p.detach().clone() for p in model.parameters()]
    model.train_on_batch(x[:32] * 100, y[:32])
    # Keras' clipnorm clips each weight's gradient on its own
    for b, p in zip(before, model.parameters()):
        assert (p.detach() - b).norm().item() == pytest.approx(1e-3, rel=1e-3)


def test_lbfgs_trains_with_its_closure(data):
    x, y = data
    model = nnlab.Sequential([Dense(10, input_shape=(64,), activation="softmax")])
    model.compile("lbfgs", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, batch_size=len(x), verbose=0)
    assert history.history["accuracy"][-1] > 0.9


def test_bf16_precision_trains(data):
    x, y = data
    model = model_for()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"],
                  precision="bf16")
    seen = set()
    hook = model.layers[0].register_forward_hook(
        lambda m, i, out: seen.add(out.dtype) if m.training else None)
    history = model.fit(x, y, epochs=3, verbose=0)
    hook.remove()
    assert seen == {torch.bfloat16}   # the training forward really ran in bf16
    assert model.layers[0].kernel.dtype == torch.float32   # master weights stay float32
    assert history.history["accuracy"][-1] > 0.8
    with pytest.raises(ValueError, match="precision must be"):
        model.compile("adam", "mse", precision="int4")


def test_jit_compiles_and_trains(data):
    x, y = data
    model = nnlab.Sequential([Dense(10, input_shape=(64,), activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"], jit=True)
    history = model.fit(x[:256], y[:256], epochs=2, batch_size=128, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_transform_train_batch_replaces_the_batch_before_the_forward_pass():
    """The public hook adversarial training uses: what it returns is what fit trains on."""
    class Zero(Callback):
        calls = 0

        def transform_train_batch(self, x, y):
            Zero.calls += 1
            return torch.zeros_like(x), y

    model = nnlab.Sequential([Dense(1, input_shape=(3,), use_bias=False)])
    model.compile("sgd", "mse")
    before = [p.detach().clone() for p in model.parameters()]
    model.fit(torch.randn(8, 3), torch.randn(8, 1), batch_size=4, epochs=1, verbose=0,
              callbacks=[Zero()])
    assert Zero.calls == 2  # once per batch
    # Zero inputs give zero gradients for a bias-free linear layer: weights unchanged.
    assert all(torch.equal(b, p) for b, p in zip(before, model.parameters()))
