"""The bad-input table: every case raises the right exception type, with a message that
names the argument or layer at fault, before any work: no weight changes, no file is
written (the folder listing and every file's bytes are compared before and after).
"""
import os
import pickle

import numpy as np
import pytest
import torch

import nnlab
from nnlab import cli
from nnlab.errors import ConfigError, ShapeError
from nnlab.layers import (LSTM, BatchNormalization, Conv2D, Dense, Dropout, Embedding, Flatten,
                          MaxPooling2D, Reshape)
from nnlab.callbacks import EarlyStopping, LearningRateScheduler, ReduceLROnPlateau

RNG = np.random.default_rng(0)
X = RNG.random((32, 4)).astype("float32")
Y = RNG.integers(0, 3, 32)
Y1H = np.eye(3, dtype="float32")[Y]


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


@pytest.fixture
def model():
    m = nnlab.Sequential([Dense(8, input_shape=(4,), activation="relu", name="hidden"),
                          Dense(3, activation="softmax", name="probs")])
    m.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


@pytest.fixture
def folder(tmp_path, model):
    """Files the cases read: a good model and weights, and bad ones."""
    model.save(tmp_path / "good.nnlab")
    model.save_weights(tmp_path / "w.safetensors")
    (tmp_path / "garbage.bin").write_bytes(b"\x00\x01garbage" * 50)
    (tmp_path / "evil.pkl").write_bytes(pickle.dumps(_Evil()))
    data = (tmp_path / "good.nnlab").read_bytes()
    (tmp_path / "cut.nnlab").write_bytes(data[: len(data) // 2])
    (tmp_path / "empty.nnlab").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("hello")
    os.mkdir(tmp_path / "adir")
    return tmp_path


def _cli(argv):
    import contextlib
    import io
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as exc:
            code = exc.code
    if code:
        raise SystemExit(f"exit {code}: {err.getvalue()}")


def _fit(**kw):
    return lambda m, d: m.fit(kw.pop("x", X), kw.pop("y", Y), verbose=0, **kw)


def _other(loss="sparse_categorical_crossentropy", metrics=None, last=3, act="softmax"):
    def make(m, d):
        m2 = nnlab.Sequential([m.layers[0], Dense(last, activation=act, name="out2")])
        m2.compile("sgd", loss, metrics=metrics)
        return m2
    return make


def _with(make, action):
    return lambda m, d: action(make(m, d), d)


NAN = X.copy()
NAN[3, 1] = np.nan
CASES = [
    # ---------------------------------------------------------------- layers / models
    ("Dense units=0", lambda m, d: Dense(0), ValueError, r"units"),
    ("Dense units=-3", lambda m, d: Dense(-3), ValueError, r"units"),
    ("Dense units='ten'", lambda m, d: Dense("ten"), (ValueError, TypeError), r"units"),
    ("Dense unknown activation", lambda m, d: Dense(3, activation="relux"), ValueError,
     r"relux"),
    ("Dense unknown initializer", lambda m, d: Dense(3, kernel_initializer="glorotish")(
        torch.ones(1, 2)), ValueError, r"glorotish"),
    ("Dense unknown regularizer", lambda m, d: Dense(3, kernel_regularizer="l3")(
        torch.ones(1, 2)), ValueError, r"l3"),
    ("Dropout rate 1.5", lambda m, d: Dropout(1.5), ValueError, r"rate"),
    ("Dropout rate -0.1", lambda m, d: Dropout(-0.1), ValueError, r"rate"),
    ("Conv2D filters 0", lambda m, d: Conv2D(0, 3), ValueError, r"filters"),
    ("Conv2D kernel_size 0", lambda m, d: Conv2D(4, 0), ValueError, r"kernel_size"),
    ("Conv2D padding bad", lambda m, d: Conv2D(4, 3, padding="full"), ValueError, r"padding"),
    ("Conv2D strides 0", lambda m, d: Conv2D(4, 3, strides=0), ValueError, r"strides"),
    ("MaxPooling2D pool 0", lambda m, d: MaxPooling2D(0), ValueError, r"pool_size"),
    ("Embedding input_dim 0", lambda m, d: Embedding(0, 4), ValueError, r"input_dim"),
    ("Embedding output_dim -1", lambda m, d: Embedding(10, -1), ValueError, r"output_dim"),
    ("LSTM units 0", lambda m, d: LSTM(0), ValueError, r"units"),
    ("Reshape size mismatch", lambda m, d: nnlab.Sequential([Reshape((5,), input_shape=(4,))]),
     (ValueError, ShapeError), r"reshape|Reshape"),
    ("BatchNorm momentum 2", lambda m, d: BatchNormalization(momentum=2.0), ValueError,
     r"momentum"),
    ("call wrong feature count", lambda m, d: m(torch.ones(2, 5)), (ValueError, ShapeError),
     r"expects input shape \(None, 4\), got \(None, 5\)"),
    ("call wrong rank", lambda m, d: m(torch.ones(2, 4, 1)), (ValueError, ShapeError),
     r"expects input shape \(None, 4\), got \(None, 4, 1\)"),
    ("call string input", lambda m, d: m("abc"), TypeError, r"sequential\w*.*got str"),
    ("Conv2D on 2-D input", lambda m, d: nnlab.Sequential([Conv2D(2, 3, input_shape=(4,))]),
     (ValueError, ShapeError), r"conv2d"),
    ("Flatten then wrong call", lambda m, d: nnlab.Sequential(
        [Flatten(input_shape=(2, 2)), Dense(1, name="after_flatten")])(torch.ones(3, 5)),
     (ValueError, ShapeError), r"expects input shape \(None, 2, 2\)"),
    ("get_layer unknown", lambda m, d: m.get_layer("nope"), ValueError, r"nope"),
    ("get_layer index", lambda m, d: m.get_layer(index=9), ValueError, r"index 9"),
    ("set_weights wrong count", lambda m, d: m.layers[0].set_weights([np.ones((4, 8))]),
     ValueError, r"hidden|weights"),
    ("set_weights wrong shape", lambda m, d: m.layers[0].set_weights(
        [np.ones((5, 8)), np.ones(8)]), ValueError, r"hidden|shape"),
    ("Embedding fractional ids", lambda m, d: Embedding(5, 2, name="emb")(
        torch.tensor([[0.5, 1.0]])), TypeError, r"'emb' \(Embedding\)"),
    ("Embedding id out of range", lambda m, d: Embedding(5, 2, name="emb")(
        torch.tensor([[1, 7]])), ValueError, r"'emb' \(Embedding\) got token id 7"),
    ("predict before build, no input", lambda m, d: nnlab.Sequential([Dense(2)]).predict(
        "text", verbose=0), TypeError, r"x"),
    # -------------------------------------------------------------------- compile
    ("compile unknown optimizer", lambda m, d: (m.compile("adamm", "mse"), m.fit(X, Y, verbose=0)),
     ValueError, r"adamm"),
    ("compile unknown loss", lambda m, d: m.compile("sgd", "msee"), ValueError, r"msee"),
    ("compile unknown metric", lambda m, d: m.compile("sgd", "mse", metrics=["acc2"]).__class__
     and m.fit(X, Y, verbose=0), ValueError, r"acc2"),
    ("compile metrics not a list", lambda m, d: m.compile("sgd", "mse", metrics="accuracy2"),
     (TypeError, ValueError), r"metrics"),
    ("compile precision", lambda m, d: m.compile("sgd", "mse", precision="fp8"), ValueError,
     r"precision"),
    ("compile weighted_metrics", lambda m, d: m.compile("sgd", "mse", weighted_metrics=["mae"]),
     NotImplementedError, r"weighted_metrics"),
    ("fit without compile", lambda m, d: nnlab.Sequential([Dense(2, input_shape=(4,))]).fit(
        X, Y, verbose=0), RuntimeError, r"compile"),
    ("evaluate without compile", lambda m, d: nnlab.Sequential(
        [Dense(2, input_shape=(4,))]).evaluate(X, Y, verbose=0), RuntimeError, r"compile"),
    ("fit with no loss", lambda m, d: (m.compile("sgd"), m.fit(X, Y, verbose=0)), RuntimeError,
     r"loss"),
    ("SGD negative lr", lambda m, d: nnlab.optimizers.SGD(learning_rate=-1.0), ValueError,
     r"learning_rate"),
    ("Adam beta_1 = 1", lambda m, d: nnlab.optimizers.Adam(beta_1=1.0), ValueError, r"beta_1"),
    # ------------------------------------------------------------------------ fit
    ("epochs -1", _fit(epochs=-1), ValueError, r"epochs"),
    ("epochs 2.5", _fit(epochs=2.5), ValueError, r"epochs"),
    ("batch_size 0", _fit(batch_size=0), ValueError, r"batch_size"),
    ("batch_size 'big'", _fit(batch_size="big"), ValueError, r"batch_size"),
    ("validation_split 1.5", _fit(validation_split=1.5), ValueError, r"validation_split"),
    # Keras' floor(n * (1 - v)) keeps >= 1 validation sample unless v rounds away entirely
    ("validation_split tiny", _fit(validation_split=1e-17), ValueError, r"validation_split"),
    ("validation_split on generator", lambda m, d: m.fit(iter([(X, Y)]), validation_split=0.2,
                                                         verbose=0), ValueError,
     r"validation_split"),
    ("x None", lambda m, d: m.fit(None, Y, verbose=0), ValueError, r"x is None"),
    ("x empty", lambda m, d: m.fit(X[:0], Y[:0], verbose=0), ValueError, r"x is empty"),
    ("x/y length mismatch", lambda m, d: m.fit(X, Y[:10], verbose=0), ValueError,
     r"x\[0\]: 32, y\[0\]: 10"),
    ("x with NaN", lambda m, d: m.fit(NAN, Y, verbose=0), ValueError, r"x contains NaN"),
    ("y with inf", lambda m, d: _other("mse", last=1, act=None)(m, d).fit(
        X, np.where(Y == 1, np.inf, 0.0), verbose=0), ValueError, r"y contains NaN or inf"),
    ("labels out of range", lambda m, d: m.fit(X, Y + 3, verbose=0), ValueError,
     r"labels for output 'output' must be in \[0, 3\)"),
    ("negative labels", lambda m, d: m.fit(X, Y - 1, verbose=0), ValueError, r"found -1"),
    ("fractional labels", lambda m, d: m.fit(X, Y + 0.5, verbose=0), ValueError,
     r"integer class ids"),
    ("one-hot width", _with(_other("categorical_crossentropy"), lambda m, d: m.fit(
        X, np.eye(4)[Y % 4], verbose=0)), ValueError, r"width 3"),
    ("one-hot for int labels", _with(_other("categorical_crossentropy"), lambda m, d: m.fit(
        X, Y, verbose=0)), ValueError, r"sparse_categorical_crossentropy"),
    ("BCE labels outside 0..1", _with(_other("binary_crossentropy", last=1, act="sigmoid"),
                                      lambda m, d: m.fit(X, Y * 2, verbose=0)), ValueError,
     r"must be in \[0, 1\]"),
    ("categorical_accuracy sparse", _with(_other(metrics=["categorical_accuracy"]),
                                          lambda m, d: m.fit(X, Y, verbose=0)), ValueError,
     r"metric 'categorical_accuracy'"),
    ("sparse accuracy on one-hot", _with(_other("categorical_crossentropy",
                                                metrics=["sparse_categorical_accuracy"]),
                                         lambda m, d: m.fit(X, Y1H, verbose=0)), ValueError,
     r"metric 'sparse_categorical_accuracy'"),
    ("multi-class AUC", _with(_other(metrics=[nnlab.metrics.AUC()]),
                              lambda m, d: m.fit(X, Y, verbose=0)), ValueError, r"metric 'auc'"),
    ("sample_weight short", _fit(sample_weight=np.ones(5)), ValueError, r"sample_weight"),
    ("sample_weight scalar", _fit(sample_weight=np.float32(2.0)), (TypeError, ValueError),
     r"sample_weight"),
    ("strings for x", lambda m, d: m.fit(np.array([["a"] * 4] * 32), Y, verbose=0), TypeError,
     r"x holds strings"),
    ("strings for y", lambda m, d: m.fit(X, np.array(["a"] * 32), verbose=0), TypeError,
     r"y holds strings"),
    ("ragged x", lambda m, d: m.fit([[1.0, 2.0], [1.0]], [0, 1], verbose=0), TypeError,
     r"x is a ragged list"),
    ("x is a dict of str", lambda m, d: m.fit({"a": "b"}, Y, verbose=0), TypeError, r"x"),
    ("x is a set", lambda m, d: m.fit({1, 2}, Y, verbose=0), (TypeError, ValueError), r"x"),
    ("y given with a generator", lambda m, d: m.fit(iter([(X, Y)]), Y, verbose=0), ValueError,
     r"y must be None"),
    ("empty generator", lambda m, d: m.fit(iter([]), verbose=0), ValueError,
     r"yielded no batches"),
    ("NaN in first generator batch", lambda m, d: m.fit(iter([(NAN, Y)]), verbose=0),
     ValueError, r"x \(batch 1 of the data source\) contains NaN"),
    ("bad labels from generator", lambda m, d: m.fit(iter([(X, Y + 5)]), verbose=0), ValueError,
     r"labels for output"),
    ("strings from generator", lambda m, d: m.fit(iter([(X, np.array(["a"] * 32))]),
                                                  verbose=0), TypeError,
     r"y \(batch 1 of the data source\) holds strings"),
    ("too many target arrays", lambda m, d: m.fit(X, [Y, Y], verbose=0), ValueError,
     r"1 output"),
    ("dense on 4-D + sparse loss", lambda m, d: (lambda s: (s.compile(
        "sgd", "sparse_categorical_crossentropy"), s.fit(RNG.random((8, 6, 6, 1)), np.zeros(8),
                                                         verbose=0)))(nnlab.Sequential(
        [Conv2D(2, 3, input_shape=(6, 6, 1)), Dense(3, name="head")])), ValueError,
     r"layer 'head'.*Flatten"),
    ("Embedding ids beyond input_dim", lambda m, d: (lambda s: (s.compile(
        "sgd", "sparse_categorical_crossentropy"), s.fit(np.array([[1, 2]] * 9 + [[1, 8]]),
                                                         np.zeros(10), batch_size=2,
                                                         verbose=0)))(nnlab.Sequential(
        [Embedding(5, 2, input_shape=(2,), name="tok"), Flatten(), Dense(2)])), ValueError,
     r"'tok' \(Embedding\) got token id 8"),
    ("callback not a Callback", _fit(callbacks=[print]), TypeError, r"callbacks"),
    ("EarlyStopping bad mode", lambda m, d: EarlyStopping(mode="up"), ValueError, r"mode"),
    ("ReduceLROnPlateau factor 2", lambda m, d: ReduceLROnPlateau(factor=2.0), ValueError,
     r"factor"),
    ("LR scheduler returns NaN", _fit(callbacks=[LearningRateScheduler(lambda e: float("nan"))]),
     ValueError, r"LearningRateScheduler"),
    ("checkpoint_mismatch bad", _fit(checkpoint_dir="unused", checkpoint_mismatch="later"),
     ValueError, r"checkpoint_mismatch"),
    ("precision fp16 on CPU", lambda m, d: (m.compile("sgd", "sparse_categorical_crossentropy",
                                                      precision="fp16"), m.fit(X, Y, verbose=0)),
     ValueError, r"precision='fp16'"),
    ("validation_data wrong width", _fit(validation_data=(X[:, :3], Y)),
     (ValueError, ShapeError), r"expects input shape \(None, 4\), got \(None, 3\)"),
    ("validation labels out of range", _fit(validation_data=(X, Y + 7)), ValueError,
     r"labels for output"),
    ("evaluate x/y mismatch", lambda m, d: m.evaluate(X, Y[:3], verbose=0), ValueError,
     r"same number of samples"),
    ("predict empty", lambda m, d: m.predict(X[:0], verbose=0), ValueError, r"x is empty"),
    ("predict wrong width", lambda m, d: m.predict(X[:, :2], verbose=0),
     (ValueError, ShapeError), r"expects input shape \(None, 4\), got \(None, 2\)"),
    ("train_on_batch bad labels", lambda m, d: m.train_on_batch(X, Y + 9), ValueError,
     r"labels for output"),
    # ---------------------------------------------------------------------- files
    ("load_model missing", lambda m, d: nnlab.load_model(d / "missing.nnlab"),
     FileNotFoundError, r"missing.nnlab"),
    ("load_model directory", lambda m, d: nnlab.load_model(d / "adir"), FileNotFoundError,
     r"adir"),
    ("load_model garbage", lambda m, d: nnlab.load_model(d / "garbage.bin"), ConfigError,
     r"garbage.bin"),
    ("load_model pickle", lambda m, d: nnlab.load_model(d / "evil.pkl"), ConfigError,
     r"evil.pkl"),
    ("load_model truncated", lambda m, d: nnlab.load_model(d / "cut.nnlab"), ConfigError,
     r"cut.nnlab.*truncated"),
    ("load_model empty file", lambda m, d: nnlab.load_model(d / "empty.nnlab"), ConfigError,
     r"empty.nnlab"),
    ("load_model text file", lambda m, d: nnlab.load_model(d / "notes.txt"), ConfigError,
     r"notes.txt"),
    ("load_model weights-only file", lambda m, d: nnlab.load_model(d / "w.safetensors"),
     ConfigError, r"w.safetensors.*weights only"),
    ("load_model max_params", lambda m, d: nnlab.load_model(d / "good.nnlab", max_params=10),
     ConfigError, r"good.nnlab.*max_params=10"),
    ("load_weights other architecture", lambda m, d: nnlab.Sequential(
        [Dense(5, input_shape=(4,))]).load_weights(d / "w.safetensors"), ConfigError,
     r"w.safetensors.*another architecture"),
    ("load_weights into model, garbage", lambda m, d: m.load_weights(d / "garbage.bin"),
     ConfigError, r"garbage.bin"),
    ("load_weights pickle", lambda m, d: m.load_weights(d / "evil.pkl"), ConfigError,
     r"evil.pkl"),
    ("load_weights truncated", lambda m, d: m.load_weights(d / "cut.nnlab"), ConfigError,
     r"cut.nnlab"),
    ("save Lambda model", lambda m, d: nnlab.Sequential(
        [nnlab.layers.Lambda(lambda t: t, input_shape=(2,))]).save(d / "lam.nnlab"),
     (ConfigError, TypeError, ValueError), r"[Ll]ambda|function"),
    ("save into a file path as folder", lambda m, d: m.save(d / "notes.txt" / "m.nnlab"),
     (NotADirectoryError, FileExistsError, OSError), r"notes.txt"),
    ("checkpoint_dir is a file", _fit(checkpoint_dir="__FILE__"), (OSError, ValueError),
     r"notes.txt"),
    ("checkpoint of garbage", lambda m, d: m.fit(X, Y, verbose=0, checkpoint_dir=d / "ck"),
     ConfigError, r"Cannot read the resume checkpoint"),
    # ------------------------------------------------------------------------ CLI
    ("cli unknown command", lambda m, d: _cli(["train-all"]), SystemExit, r"train-all"),
    ("cli bad input shape", lambda m, d: _cli(["summary", "vgg16", "--input-shape", "224x224"]),
     SystemExit, r"--input-shape"),
    ("cli unknown zoo model", lambda m, d: _cli(["summary", "vgg17"]), SystemExit, r"vgg17"),
    ("cli data fetch without name", lambda m, d: _cli(["data", "fetch"]), SystemExit,
     r"name one or more datasets"),
    ("cli data bad action", lambda m, d: _cli(["data", "remove"]), SystemExit, r"remove"),
    ("cli demo epochs not int", lambda m, d: _cli(["demo", "--epochs", "two"]), SystemExit,
     r"--epochs"),
    ("cli demo bad data", lambda m, d: _cli(["demo", "--data", "imagenet"]), SystemExit,
     r"--data"),
    ("cli num-classes not int", lambda m, d: _cli(["summary", "vgg16", "--num-classes", "x"]),
     SystemExit, r"--num-classes"),
]


def _snapshot(folder):
    return {os.path.relpath(os.path.join(root, f), folder):
            open(os.path.join(root, f), "rb").read()
            for root, _, files in os.walk(folder) for f in files}


@pytest.mark.parametrize("name, action, exc, match", CASES, ids=[c[0] for c in CASES])
def test_bad_input(name, action, exc, match, model, folder, monkeypatch):
    monkeypatch.chdir(folder)
    if name == "checkpoint of garbage":
        os.mkdir(folder / "ck")
        (folder / "ck" / "last.ckpt").write_bytes(b"junk" * 10)
    if name == "checkpoint_dir is a file":
        action = _fit(checkpoint_dir=folder / "notes.txt")
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    files = _snapshot(folder)
    with pytest.raises(exc, match=match):
        action(model, folder)
    assert all(torch.equal(weights[k], v) for k, v in model.state_dict().items()), \
        "a weight changed"
    assert _snapshot(folder) == files, "a file was written"
    assert not os.path.exists(folder / "pwned")


def test_the_table_is_big_enough():
    assert len(CASES) >= 80
