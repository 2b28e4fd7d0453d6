"""Nothing a user saves is unloadable (issue 27, point 4): a property over model kinds.

For every kind below, built with small random shapes drawn from a seeded generator
(three draws per kind): ``save`` -> ``load_model`` gives the same class, equal
predictions (exactly: same float32 arithmetic), every ``state_dict`` tensor equal
(weights, BatchNorm running statistics, pruning masks), an equal ``get_config()``, and
training resumes -- one more SGD step gives bit-identical weights on the reloaded and the
never-saved model.

Compiled models (Sequential, functional, subclassed) trained a few steps with Adam (with
a schedule), SGD with momentum and RMSprop come back compiled, with the optimizer state:
one more ``fit`` epoch gives bit-identical weights, optimizer state and History to the
never-saved model (Keras 3's ``.keras`` promise). A lambda loss cannot be saved: ``save``
and ``load_model`` say so and the model comes back uncompiled.

Kinds: Sequential (Dense, Dropout), functional with two inputs and two outputs, a
registered subclassed model, Embedding(mask_zero) + LSTM + GRU, Masking + SimpleRNN,
Bidirectional + TimeDistributed, Conv2D + BatchNormalization (running stats) +
pooling, a pruned model, a model after ``fit`` with Adam; a quantised model is refused
by ``save`` before anything is written, saying what to do instead.
"""
import os

import numpy as np
import pytest
import torch

import nnlab
from nnlab import layers as L
from nnlab.saving import register_keras_serializable

SEEDS = (0, 1, 2)


@register_keras_serializable(package="property_test")
class TwoTower(nnlab.Model):
    """A registered subclassed model: two Dense towers summed, then a head."""

    def __init__(self, width=4, units=2, **kwargs):
        super().__init__(**kwargs)
        self.width, self.units = width, units
        self.a, self.b = L.Dense(width, activation="tanh"), L.Dense(width)
        self.head = L.Dense(units)

    def call(self, x):
        return self.head(self.a(x) + self.b(x))

    def get_config(self):
        return {**super().get_config(), "width": self.width, "units": self.units}


def _rng(seed):
    return np.random.default_rng(1000 + seed)


def sequential(r):
    d, w = int(r.integers(2, 7)), int(r.integers(2, 9))
    model = nnlab.Sequential([L.Dense(w, input_shape=(d,), activation="relu"),
                              L.Dropout(0.25), L.Dense(int(r.integers(1, 4)))])
    return model, r.normal(size=(6, d)).astype("float32"), "mse"


def functional(r):
    da, db, w = (int(v) for v in r.integers(2, 6, size=3))
    a, b = nnlab.Input(shape=(da,)), nnlab.Input(shape=(db,))
    h = L.Concatenate()([L.Dense(w, activation="relu")(a), L.Dense(w)(b)])
    out1, out2 = L.Dense(1, name="price")(h), L.Dense(3, activation="softmax", name="kind")(h)
    model = nnlab.Model([a, b], [out1, out2])
    x = [r.normal(size=(6, da)).astype("float32"), r.normal(size=(6, db)).astype("float32")]
    return model, x, "mse"


def subclassed(r):
    d = int(r.integers(2, 6))
    model = TwoTower(width=int(r.integers(2, 6)), units=int(r.integers(1, 4)))
    x = r.normal(size=(6, d)).astype("float32")
    model(torch.from_numpy(x))  # built (its input shape is saved)
    return model, x, "mse"


def recurrent(r):
    vocab, t = int(r.integers(5, 12)), int(r.integers(3, 7))
    model = nnlab.Sequential([L.Embedding(vocab, int(r.integers(2, 6)), mask_zero=True,
                                          input_shape=(t,)),
                              L.LSTM(int(r.integers(2, 6)), return_sequences=True),
                              L.GRU(int(r.integers(2, 6))), L.Dense(2)])
    x = r.integers(1, vocab, size=(6, t))
    x[:, -int(r.integers(1, t)):] = 0  # padded ends: the mask matters
    return model, x.astype("int64"), "mse"


def masked_rnn(r):
    t, d = int(r.integers(3, 7)), int(r.integers(2, 5))
    model = nnlab.Sequential([L.Masking(0.0, input_shape=(t, d)),
                              L.SimpleRNN(int(r.integers(2, 6))), L.Dense(2)])
    x = r.normal(size=(6, t, d)).astype("float32")
    x[:3, -2:] = 0.0
    return model, x, "mse"


def wrappers(r):
    t, d = int(r.integers(3, 6)), int(r.integers(2, 5))
    model = nnlab.Sequential([L.Bidirectional(L.LSTM(int(r.integers(2, 5)),
                                                     return_sequences=True),
                                              input_shape=(t, d)),
                              L.TimeDistributed(L.Dense(int(r.integers(1, 4))))])
    return model, r.normal(size=(6, t, d)).astype("float32"), "mse"


def conv_batchnorm(r):
    s, c = int(r.integers(6, 10)), int(r.integers(1, 4))
    model = nnlab.Sequential([L.Conv2D(int(r.integers(2, 5)), 3, input_shape=(s, s, c)),
                              L.BatchNormalization(), L.Activation("relu"),
                              L.MaxPooling2D(2), L.GlobalAveragePooling2D(), L.Dense(2)])
    return model, r.normal(size=(6, s, s, c)).astype("float32"), "mse"


def pruned(r):
    from nnlab.compress.pruning import prune_magnitude
    model, x, loss = sequential(r)
    prune_magnitude(model, float(r.uniform(0.2, 0.8)))
    return model, x, loss


@register_keras_serializable(package="property_test")
class Scale(L.Layer):
    """A registered custom layer with a weight of its own."""

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],), initializer="random_normal",
                                     name="scale")

    def call(self, x):
        return x * self.scale


def shared_nested(r):
    """A layer used twice, a nested Sequential, a custom layer, merges and attention."""
    t, d = int(r.integers(3, 6)), int(r.integers(2, 6))
    a, b = nnlab.Input(shape=(t, d)), nnlab.Input(shape=(t, d))
    shared = L.Dense(d, activation="relu")
    inner = nnlab.Sequential([L.LayerNormalization(input_shape=(t, d)), Scale()])
    ha, hb = inner(shared(a)), inner(shared(b))
    att = L.MultiHeadAttention(num_heads=2, key_dim=int(r.integers(2, 4)))(ha, hb)
    merged = L.Add()([att, L.Multiply()([ha, hb])])
    out = L.Dense(2)(L.GlobalAveragePooling1D()(L.Conv1D(3, 2, padding="same")(merged)))
    model = nnlab.Model([a, b], out)
    x = [r.normal(size=(6, t, d)).astype("float32"), r.normal(size=(6, t, d)).astype("float32")]
    return model, x, "mse"


def adapted_preprocessing(r):
    """Adapted state (Normalization's mean/variance) in front of Dense layers."""
    d = int(r.integers(2, 6))
    x = (r.normal(size=(6, d)) * 3 + 5).astype("float32")
    norm = L.Normalization(input_shape=(d,))
    norm.adapt(x)
    model = nnlab.Sequential([norm, L.Dense(int(r.integers(2, 5)), activation="elu"),
                              L.GaussianNoise(0.1), L.Dense(1)])
    return model, x, "mse"


KINDS = [sequential, functional, subclassed, recurrent, masked_rnn, wrappers,
         conv_batchnorm, pruned, shared_nested, adapted_preprocessing]


def _targets(model, x):
    out = model.predict(x, verbose=0)
    outs = out if isinstance(out, list) else [out]
    targets = [np.random.default_rng(7).normal(size=o.shape).astype("float32") for o in outs]
    return targets if isinstance(out, list) else targets[0]


def _fit_one_step(model, x, y, loss):
    nnlab.set_seed(123)  # the same dropout masks for both models
    model.compile(nnlab.optimizers.SGD(learning_rate=0.05), loss)
    model.fit(x, y, epochs=1, batch_size=len(y[0] if isinstance(y, list) else y),
              shuffle=False, verbose=0)


def _state(model):
    return [v.detach().clone() for v in model.state_dict().values()]


def _same(a, b, what):
    assert len(a) == len(b), what
    for i, (u, v) in enumerate(zip(a, b)):
        assert u.shape == v.shape and torch.equal(u, v), f"{what}: tensor {i}"


def _roundtrip(model, x, path):
    model.save(path)
    back = nnlab.load_model(path)
    assert type(back) is type(model)
    before, after = model.predict(x, verbose=0), back.predict(x, verbose=0)
    for p, q in zip(before if isinstance(before, list) else [before],
                    after if isinstance(after, list) else [after]):
        np.testing.assert_allclose(q, p, rtol=0, atol=1e-6)
    _same(_state(back), _state(model), "state_dict")
    for u, v in zip(back.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(u, v)
    assert back.get_config() == model.get_config()
    return back


def _other_formats(kind, seed, model, x, tmp_path):
    """``save_weights`` into a twin built afresh (other initial weights), and
    ``to_json`` -> ``model_from_json`` + ``set_weights``: the same predictions."""
    expected = model.predict(x, verbose=0)
    expected = expected if isinstance(expected, list) else [expected]
    model.save_weights(tmp_path / "w.nnlab")
    nnlab.set_seed(seed + 100)
    twin, _, _ = kind(_rng(seed))
    twin.load_weights(tmp_path / "w.nnlab")
    _same(_state(twin), _state(model), "load_weights")
    rebuilt = nnlab.models.model_from_json(model.to_json())
    if kind is subclassed:
        rebuilt(torch.from_numpy(x))
    rebuilt.set_weights(model.get_weights())
    for got, want in ((twin, expected), (rebuilt, expected)):
        out = got.predict(x, verbose=0)
        for p, q in zip(want, out if isinstance(out, list) else [out]):
            np.testing.assert_allclose(q, p, rtol=0, atol=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_save_reload_gives_the_same_model_and_training_resumes(tmp_path, kind, seed):
    nnlab.set_seed(seed)
    model, x, loss = kind(_rng(seed))
    y = _targets(model, x)
    if kind is conv_batchnorm:  # running statistics away from their initial values
        _fit_one_step(model, x, y, loss)
    back = _roundtrip(model, x, tmp_path / "m.nnlab")
    _other_formats(kind, seed, model, x, tmp_path)
    _fit_one_step(model, x, y, loss)
    _fit_one_step(back, x, y, loss)
    _same(_state(back), _state(model), "after one more step")
    if kind is pruned:  # the masks still hold in the reloaded model's training
        from nnlab.layers.base.pruned_weights import pruned_names
        assert pruned_names(back) == pruned_names(model) != []


@pytest.mark.parametrize("seed", SEEDS)
def test_a_model_after_fit_with_adam_reloads_and_trains_on(tmp_path, seed):
    """Compile state: the model trained with Adam (moments in the optimizer) saves and
    reloads with equal predictions; the reload trains on (compiled again)."""
    nnlab.set_seed(seed)
    model, x, loss = functional(_rng(seed))
    y = _targets(model, x)
    model.compile("adam", loss, metrics=[["mae"], ["mae"]])
    model.fit(x, y, epochs=2, batch_size=3, verbose=0)
    back = _roundtrip(model, x, tmp_path / "m.nnlab")
    back.compile("adam", loss)
    history = back.fit(x, y, epochs=1, batch_size=3, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_a_quantized_model_is_refused_before_anything_is_written(tmp_path):
    from nnlab.compress.int8 import quantize_int8
    nnlab.set_seed(0)
    model, x, _ = sequential(_rng(0))
    q = quantize_int8(model)
    with pytest.raises(TypeError, match=r"cannot be saved. Use the float model.*"
                                        r"quantize_int8\(model\) again"):
        q.save(tmp_path / "q.nnlab")
    assert os.listdir(tmp_path) == []


# ------------------------------------------- compile config and optimizer state
OPTIMIZERS = {
    "adam": lambda: nnlab.optimizers.Adam(nnlab.schedules.ExponentialDecay(
        0.01, decay_steps=2, decay_rate=0.8)),
    "sgd_momentum": lambda: nnlab.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "rmsprop": lambda: "rmsprop",
}


def _compile_args(kind):
    """Per kind other compile arguments: names, Loss and Metric objects, loss_weights."""
    if kind is functional:
        return dict(loss={"price": "mse", "kind": nnlab.losses.MeanAbsoluteError()},
                    metrics=[["mae"], [nnlab.metrics.MeanSquaredError()]],
                    loss_weights=[1.0, 0.5])
    if kind is subclassed:
        return dict(loss=nnlab.losses.Huber(delta=0.5), metrics=["mae", "mse"])
    return dict(loss="mse", metrics=["mae"])


def _optimizer_state(model):
    state = model.optimizer.state_dict()
    return state["iterations"], model.compiled.iterations, state["torch"]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("kind", [sequential, functional, subclassed], ids=lambda k: k.__name__)
def test_a_compiled_model_reloads_compiled_and_one_more_epoch_is_bit_identical(
        tmp_path, kind, optimizer, seed):
    nnlab.set_seed(seed)
    model, x, _ = kind(_rng(seed))
    y = _targets(model, x)
    model.compile(OPTIMIZERS[optimizer](), **_compile_args(kind))
    model.fit(x, y, epochs=2, batch_size=2, verbose=0)  # 6 steps: moments, momentum
    model.save(tmp_path / "m.nnlab")
    back = nnlab.load_model(tmp_path / "m.nnlab")
    assert back.compiled is not None and type(back.optimizer) is type(model.optimizer)
    assert back.optimizer.get_config() == model.optimizer.get_config()
    nnlab.set_seed(seed + 50)  # the same shuffle and dropout masks for both
    expected = model.fit(x, y, epochs=1, batch_size=2, verbose=0)
    nnlab.set_seed(seed + 50)
    got = back.fit(x, y, epochs=1, batch_size=2, verbose=0)
    assert got.history == expected.history
    _same(_state(back), _state(model), "weights after one more epoch")
    (n1, s1, t1), (n2, s2, t2) = _optimizer_state(back), _optimizer_state(model)
    assert (n1, s1) == (n2, s2) and s1 == 9
    assert t1["param_groups"] == t2["param_groups"]
    assert sorted(t1["state"]) == sorted(t2["state"])
    for i, slots in t2["state"].items():
        assert sorted(t1["state"][i]) == sorted(slots)
        _same([t1["state"][i][k] for k in sorted(slots)], [slots[k] for k in sorted(slots)],
              f"optimizer slots of weight {i}")
    if optimizer != "adam":
        return
    plain = nnlab.load_model(tmp_path / "m.nnlab", compile=False)  # as Keras: uncompiled
    assert plain.compiled is None
    _same(_state(plain), _state(nnlab.load_model(tmp_path / "m.nnlab")), "compile=False")


def test_a_lambda_loss_is_not_saved_and_the_model_comes_back_uncompiled(tmp_path):
    nnlab.set_seed(0)
    model, x, _ = sequential(_rng(0))
    model.compile("adam", lambda y_true, y_pred: ((y_true - y_pred) ** 2).mean())
    model.fit(x, _targets(model, x), epochs=1, verbose=0)
    with pytest.warns(UserWarning, match=r"saved without its compile config and optimizer "
                                         r"state, as loss: <lambda> cannot be written"):
        model.save(tmp_path / "m.nnlab")
    with pytest.warns(UserWarning, match=r"holds no compile config \(\['loss: <lambda>'\] "
                                         r"could not be saved\): the model is returned "
                                         r"uncompiled"):
        back = nnlab.load_model(tmp_path / "m.nnlab")
    assert back.compiled is None
    _same(_state(back), _state(model), "weights")


def test_a_file_without_a_compile_section_loads_uncompiled(tmp_path):
    """Files of the nnlab before this section (and of a never-compiled model)."""
    from safetensors import safe_open
    nnlab.set_seed(0)
    model, x, _ = sequential(_rng(0))
    model.save(tmp_path / "m.nnlab")
    with safe_open(str(tmp_path / "m.nnlab"), framework="pt") as f:
        meta = f.metadata()
    assert "compile" not in meta and meta["format_version"] == "1"
    assert nnlab.load_model(tmp_path / "m.nnlab").compiled is None
