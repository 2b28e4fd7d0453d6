"""Keras 3 API that keras-io programs use and nnlab lacked (issue 28), each checked
against Keras 3 (the dev oracle) where Keras runs it: ``models.clone_model``,
``layers.CategoryEncoding``, ``layers.IntegerLookup`` (Keras 3 needs TensorFlow for it:
checked against Keras' documented examples), the ``MaxPool2D``/``AvgPool2D`` aliases,
``keras.version()`` and ``keras.config.backend()``.
"""
import numpy as np
import pytest
import torch

import nnlab

keras = pytest.importorskip("keras")


def _np(t):
    return np.asarray(t.detach().cpu() if isinstance(t, torch.Tensor) else t)


@pytest.mark.parametrize("mode,data", [
    ("one_hot", np.array([3, 2, 0, 1])),
    ("one_hot", np.array([[3], [2]])),
    ("one_hot", np.array([[1, 2], [0, 3]])),
    ("multi_hot", np.array([[0, 1], [0, 0], [1, 2], [3, 1]])),
    ("multi_hot", np.array([0, 1, 1])),
    ("count", np.array([[0, 1], [0, 0], [1, 2], [3, 1]])),
])
def test_category_encoding_as_keras(mode, data):
    ours = nnlab.layers.CategoryEncoding(4, mode)(data)
    theirs = keras.layers.CategoryEncoding(4, mode)(data)
    np.testing.assert_allclose(_np(ours), _np(theirs))


def test_category_encoding_count_weights_shapes_and_errors():
    ids = np.array([[0, 1], [0, 0]])
    weights = np.array([[0.1, 0.2], [0.1, 0.1]], "float32")
    ours = nnlab.layers.CategoryEncoding(4, "count")(ids, count_weights=weights)
    theirs = keras.layers.CategoryEncoding(4, "count")(ids, count_weights=weights)
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-6)
    for mode, shape in (("multi_hot", (3,)), ("one_hot", (1,))):
        assert nnlab.layers.CategoryEncoding(5, mode)(
            nnlab.Input(shape, dtype="int32")).shape == keras.layers.CategoryEncoding(5, mode)(
            keras.Input(shape, dtype="int32")).shape
    with pytest.raises(ValueError, match=r"'enc' \(CategoryEncoding\) got id 4"):
        nnlab.layers.CategoryEncoding(4, name="enc")(np.array([[4]]))


def test_integer_lookup_keras_documented_examples():
    lookup = nnlab.layers.IntegerLookup
    data = np.array([[12, 1138, 42], [42, 1000, 36]])
    layer = lookup()
    layer.adapt(data)
    assert layer.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    vocab = [12, 36, 1138, 42]
    assert lookup(vocabulary=vocab)(data).tolist() == [[1, 3, 4], [4, 0, 2]]
    masked = lookup(vocabulary=vocab, mask_token=0)
    assert masked.get_vocabulary() == [0, -1, 12, 36, 1138, 42]
    assert masked(np.array([[12, 1138, 42], [42, 1000, 36]])).tolist() == [[2, 4, 5],
                                                                            [5, 1, 3]]
    assert lookup(vocabulary=vocab, invert=True)(np.array([[1, 3, 4], [4, 0, 2]])).tolist() \
        == [[12, 1138, 42], [42, -1, 36]]
    multi = lookup(vocabulary=vocab, output_mode="multi_hot")
    assert multi(np.array([[12, 1138, 42, 42], [42, 7, 36, 7]])).tolist() == \
        [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]
    assert lookup(vocabulary=vocab, num_oov_indices=2)(np.array([5, 6, 36])).tolist() == \
        [1, 0, 3]  # unknowns modulated over the two OOV indices
    with pytest.raises(ValueError, match="token 5 is not in the vocabulary"):
        lookup(vocabulary=vocab, num_oov_indices=0)(np.array([5]))


def test_integer_lookup_in_a_model_and_its_config():
    layer = nnlab.layers.IntegerLookup()
    layer.adapt(np.array([7, 7, 3, 9]))
    inputs = nnlab.Input((3,), dtype="int64")
    ids = layer(inputs)
    assert ids.shape == (None, 3) and ids.dtype == torch.int64
    model = nnlab.Model(inputs, nnlab.layers.Embedding(layer.vocabulary_size(), 2)(ids))
    assert model.predict(np.array([[7, 5, 9]]), verbose=0).shape == (1, 3, 2)
    again = nnlab.layers.IntegerLookup.from_config(layer.get_config())
    assert again.get_vocabulary() == layer.get_vocabulary() == [-1, 7, 9, 3]


def _models(k):
    seq = k.Sequential([k.Input((4,)), k.layers.Dense(3), k.layers.Dense(2)])
    inputs = k.Input((4,))
    shared = k.layers.Dense(4)
    out = k.layers.Add()([shared(shared(inputs)), inputs])
    return seq, k.Model(inputs, out)


def test_clone_model_as_keras():
    for ours, theirs in zip(_models(nnlab), _models(keras)):
        a, b = nnlab.models.clone_model(ours), keras.models.clone_model(theirs)
        assert a.count_params() == b.count_params() == ours.count_params()
        assert [type(x).__name__ for x in a.layers] == [type(x).__name__ for x in b.layers]
        assert a is not ours and all(x is not y for x, y in zip(a.layers, ours.layers))
        assert not np.allclose(a.get_weights()[0], ours.get_weights()[0])  # new weights
        a.set_weights(ours.get_weights())
        x = np.ones((2, 4), "float32")
        np.testing.assert_allclose(a.predict(x, verbose=0), ours.predict(x, verbose=0))
    seq = _models(nnlab)[0]
    wider = nnlab.models.clone_model(seq, clone_function=lambda layer: nnlab.layers.Dense(
        7) if layer is seq.layers[0] else layer.__class__.from_config(layer.get_config()))
    assert wider.count_params() == 4 * 7 + 7 + 7 * 2 + 2


def test_aliases_version_and_backend():
    layers = nnlab.layers
    assert layers.MaxPool2D is layers.MaxPooling2D and layers.AvgPool2D is \
        layers.AveragePooling2D
    for name in ("MaxPool1D", "MaxPool3D", "AvgPool1D", "AvgPool3D", "GlobalMaxPool2D",
                 "GlobalAvgPool1D", "GlobalAvgPool2D"):
        assert hasattr(layers, name) and hasattr(keras.layers, name), name
    assert nnlab.version() == nnlab.__version__
    assert nnlab.config.backend() == keras.config.backend() == "torch"
    assert nnlab.config.floatx() == keras.config.floatx()
    assert nnlab.config.epsilon() == keras.config.epsilon()


@pytest.mark.parametrize("name", ["TruePositives", "FalsePositives", "TrueNegatives",
                                  "FalseNegatives"])
def test_outcome_count_metrics_as_keras(name):
    y = np.array([[0, 1], [1, 0], [1, 1]], "float32")
    p = np.array([[0.2, 0.9], [0.7, 0.1], [0.45, 0.55]], "float32")
    for kwargs, update in (({}, {}), ({"thresholds": 0.3}, {"sample_weight": [1.0, 2.0, 0.5]}),
                           ({"thresholds": [0.3, 0.6]}, {})):
        ours, theirs = getattr(nnlab.metrics, name)(**kwargs), getattr(keras.metrics, name)(
            **kwargs)
        for metric in (ours, theirs):
            metric.update_state(y, p, **update)
            metric.update_state(y[:1], p[:1])
        np.testing.assert_allclose(_np(ours.result()), _np(theirs.result()), err_msg=name)
        ours.reset_state()
        assert np.all(_np(ours.result()) == 0)


def test_outcome_counts_in_compile():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 3)).astype("float32"), rng.integers(0, 2, (32, 1))
    inputs = nnlab.Input((3,))
    model = nnlab.Model(inputs, nnlab.layers.Dense(1, activation="sigmoid")(inputs))
    model.compile("adam", "binary_crossentropy",
                  metrics=[nnlab.metrics.TruePositives(), nnlab.metrics.FalseNegatives()])
    model.fit(x, y, verbose=0)
    _, tp, fn = model.evaluate(x, y, verbose=0)
    pred = model.predict(x, verbose=0) > 0.5
    assert tp == float(np.sum(pred & (y == 1))) and fn == float(np.sum(~pred & (y == 1)))


def lambda_programs(k):
    """keras-io's multi-input ``Lambda(output_shape=)``: a tuple and a function."""
    a, b = k.Input((4,)), k.Input((4,))
    joined = k.layers.Lambda(lambda t: k.ops.concatenate(t, axis=-1), output_shape=(8,))([a, b])
    scaled = k.layers.Lambda(lambda t: t * 2.0, output_shape=lambda s: s)(joined)
    model = k.Model([a, b], scaled)
    x = np.ones((2, 4), "float32")
    return joined.shape, scaled.shape, model.predict([x, x], verbose=0).shape


def test_multi_input_lambda_output_shape_as_keras():
    assert lambda_programs(nnlab) == lambda_programs(keras)


def functional_subclass(k):
    """A Model subclass that builds its graph in ``__init__`` and hands it to
    ``super().__init__(inputs=, outputs=)`` (or positionally), then trains."""

    class Built(k.Model):
        def __init__(self, units=4, **kwargs):
            inputs = k.Input((3,))
            outputs = k.layers.Dense(units)(k.layers.Dense(5, activation="relu")(inputs))
            super().__init__(inputs=inputs, outputs=outputs, **kwargs)
            self.units = units

    class Positional(k.Model):
        def __init__(self, **kwargs):
            inputs = k.Input((3,))
            super().__init__(inputs, k.layers.Dense(2)(inputs), **kwargs)

    model = Built(units=6, name="built")
    model.compile("adam", "mse")
    history = model.fit(np.ones((8, 3), "float32"), np.ones((8, 6), "float32"), verbose=0)
    return (isinstance(model, Built), model.units, model.name, model.count_params(),
            len(model.layers), model.predict(np.ones((2, 3), "float32"), verbose=0).shape,
            sorted(history.history), Positional().count_params())


def test_model_subclass_with_a_functional_graph_in_init_as_keras():
    assert functional_subclass(nnlab) == functional_subclass(keras)


def prelu(k):
    """PReLU's weights and outputs: Keras' shape (input shape without the batch axis,
    1 on shared axes) and initial slopes (zeros)."""
    x = np.linspace(-2, 2, 2 * 5 * 6 * 3).astype("float32").reshape(2, 5, 6, 3)
    out = []
    for kwargs in ({}, {"shared_axes": [1, 2]}):
        layer = k.layers.PReLU(**kwargs)
        y = layer(x)
        out.append(([tuple(w.shape) for w in layer.weights], layer.count_params(),
                    np.round(_np(y), 6).tolist()))
    return out


def test_prelu_as_keras():
    assert prelu(nnlab) == prelu(keras)
    layer = nnlab.layers.PReLU(alpha_initializer=nnlab.initializers.Constant(0.25))
    assert float(layer(torch.tensor([[-4.0]])).detach()) == -1.0
    with pytest.raises(Exception, match="shared_axes"):
        nnlab.layers.PReLU()(nnlab.Input((None, 8)))


def registered_names(k):
    @k.saving.register_keras_serializable(package="round3")
    class Doubler(k.layers.Layer):
        def call(self, x):
            return 2.0 * x

    @k.saving.register_keras_serializable(package="round3", name="half")
    def half(x):
        return x / 2

    return (k.saving.get_registered_name(Doubler), k.saving.get_registered_name(half),
            k.saving.get_registered_object("round3>half") is half)


def test_keras_saving_namespace_as_keras():
    assert registered_names(nnlab) == registered_names(keras)


def test_registered_class_with_a_taken_name_saves_and_loads(tmp_path):
    """A custom layer named like one of nnlab's (keras-io's ``GAN``, ``Sampling``...):
    registered under a package, it saves and loads (unregistered, saving is refused)."""

    @nnlab.saving.register_keras_serializable(package="round3")
    class Dense(nnlab.layers.Layer):  # the name nnlab's own Dense holds
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2))

        def call(self, x):
            return x @ self.w

    inputs = nnlab.Input((3,))
    model = nnlab.Model(inputs, Dense()(inputs))
    nnlab.saving.save_model(model, tmp_path / "m.nnlab")
    with pytest.raises(FileExistsError, match="overwrite=False"):
        nnlab.saving.save_model(model, tmp_path / "m.nnlab", overwrite=False)
    loaded = nnlab.saving.load_model(tmp_path / "m.nnlab")
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert type(loaded.layers[-1]) is Dense
    assert nnlab.layers.Dense._registered_name == "Dense"  # nnlab's keeps its name


def checkpoint_lines(k, tmp_path, capsys, suffix):
    """ModelCheckpoint(verbose=1) in Keras 3's argument order: its printed lines."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 3)).astype("float32"), rng.normal(size=(32, 1))
    inputs = k.Input((3,))
    model = k.Model(inputs, k.layers.Dense(1)(inputs))
    # validation = training data: the loss falls, so with mode="max" epoch 2 cannot improve
    model.compile(k.optimizers.SGD(0.01), "mse")
    capsys.readouterr()
    model.fit(x, y, epochs=2, verbose=0, validation_data=(x, y), callbacks=[
        k.callbacks.ModelCheckpoint(str(tmp_path / f"best{suffix}"), "val_loss", 1,
                                    save_best_only=True, mode="max"),
        k.callbacks.ModelCheckpoint(str(tmp_path / f"last{suffix}"), verbose=1)])
    import re
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Epoch")]
    return [re.sub(r"\d+\.\d{5}", "<v>", re.sub(r"to /\S+", "to <path>", line))
            for line in lines]


def test_model_checkpoint_verbose_as_keras(tmp_path, capsys):
    ours = checkpoint_lines(nnlab, tmp_path, capsys, ".nnlab")
    assert ours == checkpoint_lines(keras, tmp_path, capsys, ".keras")
    assert ours == ["Epoch 1: val_loss improved from None to <v>, saving model to <path>",
                    "Epoch 1: finished saving model to <path>",
                    "Epoch 1: saving model to <path>",
                    "Epoch 1: finished saving model to <path>",
                    "Epoch 2: val_loss did not improve from <v>",
                    "Epoch 2: saving model to <path>",
                    "Epoch 2: finished saving model to <path>"]
