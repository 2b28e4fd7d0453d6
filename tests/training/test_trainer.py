"""fit / evaluate / predict on real bundled digits, plus the bad-input errors."""
import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

import nnlab
from nnlab.layers import Dense, Dropout
from nnlab.callbacks import LambdaCallback


@pytest.fixture(scope="module")
def digits():
    from sklearn.model_selection import train_test_split
    d = load_digits()
    x = (d.data / 16.0).astype("float32")
    x, xt, y, yt = train_test_split(x, d.target, test_size=297, stratify=d.target,
                                    random_state=0)
    return x, y, xt, yt


def dense_net(**compile_kwargs):
    model = nnlab.Sequential([Dense(64, input_shape=(64,), activation="relu"),
                              Dense(10, activation="softmax")])
    model.compile(compile_kwargs.pop("optimizer", "adam"),
                  compile_kwargs.pop("loss", "sparse_categorical_crossentropy"),
                  metrics=compile_kwargs.pop("metrics", ["accuracy"]), **compile_kwargs)
    return model


def test_fit_learns_digits_and_history(digits):
    x, y, xt, yt = digits
    model = dense_net()
    history = model.fit(x, y, epochs=12, batch_size=32, validation_split=0.1, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(history.history["loss"]) == 12
    assert history.history["loss"][-1] < history.history["loss"][0] / 3
    loss, acc = model.evaluate(xt, yt, verbose=0)
    assert acc > 0.9 and loss < 0.4
    probs = model.predict(xt)
    assert probs.shape == (len(xt), 10) and np.allclose(probs.sum(1), 1, atol=1e-5)
    assert (probs.argmax(1) == yt).mean() == pytest.approx(acc)


def test_one_hot_labels_and_categorical_loss(digits):
    x, y, xt, yt = digits
    model = dense_net(loss="categorical_crossentropy")
    model.fit(x, np.eye(10)[y], epochs=5, verbose=0)
    assert model.evaluate(xt, np.eye(10)[yt], verbose=0)[1] > 0.85


def test_fused_softmax_loss_equals_unfused(digits):
    x, y, _, _ = digits
    model = dense_net(optimizer="sgd")
    before = model.evaluate(x[:64], y[:64], verbose=0, batch_size=64)[0]
    logs = model.train_on_batch(x[:64], y[:64], return_dict=True)
    assert logs["loss"] == pytest.approx(before, rel=1e-5)


def test_torch_dataset_generator_and_dict_inputs(digits):
    x, y, xt, yt = digits
    ds = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    model = dense_net()
    model.fit(ds, epochs=3, batch_size=32, verbose=0)
    loader = torch.utils.data.DataLoader(ds, batch_size=64, shuffle=True)
    model.fit(loader, epochs=1, verbose=0)

    def gen():
        for i in range(0, len(x), 100):
            yield x[i:i + 100], y[i:i + 100]

    model.fit(gen(), epochs=1, verbose=0)
    assert model.evaluate(xt, yt, verbose=0)[1] > 0.85
    a = nnlab.Input(shape=(64,), name="pixels")
    out = Dense(10, activation="softmax", name="digit")(Dense(32, activation="relu")(a))
    functional = nnlab.Model(a, out)
    functional.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    functional.fit({"pixels": x}, y, epochs=2, verbose=0)


def test_multi_output_losses_and_weights(digits):
    x, y, _, _ = digits
    inp = nnlab.Input(shape=(64,))
    h = Dense(32, activation="relu")(inp)
    cls = Dense(10, activation="softmax", name="cls")(h)
    even = Dense(1, activation="sigmoid", name="even")(h)
    model = nnlab.Model(inp, [cls, even])
    model.compile("adam", {"cls": "sparse_categorical_crossentropy", "even": "binary_crossentropy"},
                  loss_weights={"cls": 1.0, "even": 0.5}, metrics={"cls": ["accuracy"]})
    history = model.fit(x, [y, (y % 2 == 0).astype("float32")[:, None]], epochs=3, verbose=0)
    assert "cls_accuracy" in history.history
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_callbacks_see_every_event(digits):
    x, y, _, _ = digits
    seen = []
    cb = LambdaCallback(on_train_begin=lambda logs: seen.append("begin"),
                        on_epoch_end=lambda epoch, logs: seen.append(("epoch", epoch,
                                                                      sorted(logs))),
                        on_train_batch_end=lambda batch, logs: seen.append("batch"),
                        on_train_end=lambda logs: seen.append("end"))
    dense_net().fit(x[:320], y[:320], epochs=2, batch_size=160, verbose=0, callbacks=[cb])
    assert seen == ["begin", "batch", "batch", ("epoch", 0, ["accuracy", "loss"]), "batch",
                    "batch", ("epoch", 1, ["accuracy", "loss"]), "end"]


def test_seeded_training_is_reproducible(digits):
    x, y, _, _ = digits
    weights = []
    for _ in range(2):
        nnlab.set_seed(123)
        model = nnlab.Sequential([Dense(32, input_shape=(64,), activation="relu"), Dropout(0.3),
                                  Dense(10, activation="softmax")])
        model.compile("adam", "sparse_categorical_crossentropy")
        model.fit(x, y, epochs=2, verbose=0)
        weights.append([p.detach().clone() for p in model.parameters()])
    assert all(torch.equal(a, b) for a, b in zip(*weights))


def test_progress_bar_and_epoch_lines(digits, capsys):
    x, y, _, _ = digits
    model = dense_net()
    model.fit(x[:256], y[:256], epochs=2, verbose=2)
    out = capsys.readouterr().out
    assert out.count("Epoch ") == 2 and "loss:" in out and "samples/s" in out
    model.fit(x[:256], y[:256], epochs=1, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/1" in out and "accuracy:" in out
    model.fit(x[:256], y[:256], epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


# ------------------------------------------------------------------ bad input
def test_fit_before_compile():
    model = nnlab.Sequential([Dense(2, input_shape=(3,))])
    with pytest.raises(RuntimeError, match="must be compiled before fit"):
        model.fit(np.zeros((4, 3)), np.zeros(4))


def test_mismatched_lengths():
    with pytest.raises(ValueError, match="same number of samples.*x\\[0\\]: 10.*y\\[0\\]: 9"):
        dense_net().fit(np.zeros((10, 64)), np.zeros(9, dtype=int), verbose=0)


def test_labels_out_of_range():
    with pytest.raises(ValueError, match=r"must be in \[0, 10\).*found 10"):
        dense_net().fit(np.zeros((4, 64)), np.array([0, 1, 10, 2]), verbose=0)
    with pytest.raises(ValueError, match=r"must be in \[0, 10\).*found -1"):
        dense_net().fit(np.zeros((4, 64)), np.array([0, 1, -1, 2]), verbose=0)


def test_one_hot_of_wrong_width():
    with pytest.raises(ValueError, match="width 10.*got targets of shape \\(4, 5\\)"):
        dense_net(loss="categorical_crossentropy").fit(np.zeros((4, 64)), np.eye(5)[:4],
                                                       verbose=0)


def test_nan_and_inf_inputs():
    x = np.zeros((4, 64))
    x[2, 5] = np.nan
    with pytest.raises(ValueError, match=r"x contains NaN or inf \(first at index \[2, 5\]\)"):
        dense_net().fit(x, np.zeros(4, dtype=int), verbose=0)
    x[2, 5] = np.inf
    with pytest.raises(ValueError, match="NaN or inf"):
        dense_net().fit(x, np.zeros(4, dtype=int), verbose=0)
    huge = np.full((4, 64), 3e38, dtype=np.float32)  # finite, but its float32 sum overflows
    dense_net().fit(huge, np.zeros(4, dtype=int), verbose=0)


def test_empty_data_and_bad_batch_size():
    with pytest.raises(ValueError, match="empty"):
        dense_net().fit(np.zeros((0, 64)), np.zeros(0, dtype=int), verbose=0)
    with pytest.raises(ValueError, match="batch_size must be an int >= 1, got 0"):
        dense_net().fit(np.zeros((4, 64)), np.zeros(4, dtype=int), batch_size=0, verbose=0)


def test_nan_loss_stops_and_names_epoch_and_step(digits):
    x, y, _, _ = digits
    model = nnlab.Sequential([Dense(10, input_shape=(64,))])
    model.compile(nnlab.optimizers.SGD(learning_rate=1e6), "mse")
    target = np.eye(10)[y].astype("float32")
    with pytest.warns(RuntimeWarning, match=r"NaN or inf at epoch 1, step \d+"):
        history = model.fit(x * 1e3, target, epochs=5, batch_size=32, verbose=0)
    assert len(history.history.get("loss", [])) == 0


def test_predict_before_fit_on_unbuilt_model_then_fit(digits):
    x, y, _, _ = digits
    model = nnlab.Sequential([Dense(8, activation="relu"), Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    assert model.predict(x[:4]).shape == (4, 10)
    model.fit(x[:64], y[:64], epochs=1, verbose=0)


def test_optimizer_schedule_is_applied_every_step(digits):
    x, y, _, _ = digits
    model = dense_net(optimizer=nnlab.optimizers.SGD(
        learning_rate=nnlab.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)))
    model.fit(x[:128], y[:128], batch_size=32, epochs=1, verbose=0)
    assert model.compiled.iterations == 4
    assert model.compiled.learning_rate == pytest.approx(0.1 * 0.5 ** 3)


def test_seeded_dropout_is_reproducible():
    from nnlab.layers import Dropout
    x = torch.ones(2, 50)
    a = Dropout(0.5, seed=3)(x, training=True)
    b = Dropout(0.5, seed=3)(x, training=True)
    assert torch.equal(a, b) and (a == 0).any()


def test_unsupported_compile_argument_is_refused():
    model = nnlab.Sequential([Dense(2, input_shape=(3,))])
    with pytest.raises(NotImplementedError, match="weighted_metrics"):
        model.compile("adam", "mse", weighted_metrics=["mae"])


def test_validation_split_trains_on_first_floor_n_times_one_minus_v():
    """Keras: split_at = floor(n * (1 - v)); n=10, v=0.25 -> 7 train, 3 validation."""
    from nnlab.training.data_adapter import ArrayData
    for n, v, cut in ((10, 0.25, 7), (1797, 0.2, 1437), (5, 0.5, 2), (3, 0.1, 2)):
        train, val = ArrayData(np.arange(n, dtype="float32")[:, None]).split(v)
        assert (train.n, val.n) == (cut, n - cut)
        assert float(val.x[0, 0]) == cut
    seen = []
    model = nnlab.Sequential([nnlab.layers.Dense(1, input_shape=(1,))])
    model.compile("sgd", "mse")
    model.fit(np.ones((10, 1), "float32"), np.ones((10, 1), "float32"), batch_size=4,
              validation_split=0.25, verbose=0, epochs=1, callbacks=[
                  nnlab.callbacks.LambdaCallback(on_train_batch_begin=lambda b, logs:
                                                 seen.append(b))])
    assert seen == [0, 1]  # 7 training samples in batches of 4
