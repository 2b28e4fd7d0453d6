"""keras-io-style programs that need only the Keras surface of issue 8's "missing surface"
part, written once and run twice: with ``keras = nnlab`` and with Keras 3 (the dev-only
oracle). Both runs must agree on parameter counts and output shapes. Random data of the
right shapes; a few samples and one or two epochs (these test the surface, not accuracy).

The other programs of the issue's external check (bidirectional LSTM with pad_sequences,
transformer with a custom Layer and ops, VAE and DCGAN with train_step) come with the
custom-step and masking parts.
"""
import numpy as np
import pytest

import nnlab


def convnet(keras, tmp_path):
    """keras-io ``mnist_convnet``: to_categorical, Input in Sequential, Dropout."""
    from_layers = keras.layers
    num_classes, input_shape = 10, (28, 28, 1)
    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 256, size=(96, 28, 28)).astype("uint8")
    y_train = rng.integers(0, 10, size=(96,)).astype("uint8")
    x_train = x_train.astype("float32") / 255
    x_train = np.expand_dims(x_train, -1)
    y_train = keras.utils.to_categorical(y_train, num_classes)
    model = keras.Sequential([
        keras.Input(shape=input_shape),
        from_layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        from_layers.MaxPooling2D(pool_size=(2, 2)),
        from_layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        from_layers.MaxPooling2D(pool_size=(2, 2)),
        from_layers.Flatten(),
        from_layers.Dropout(0.5),
        from_layers.Dense(num_classes, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=32, epochs=1, validation_split=0.1,
                        verbose=0)
    score = model.evaluate(x_train, y_train, verbose=0)
    return model, model.predict(x_train[:5], verbose=0), sorted(history.history), len(score)


def addition_rnn(keras, tmp_path):
    """keras-io ``addition_rnn``: one-hot sequences, LSTM encoder, RepeatVector, decoder."""
    layers = keras.layers
    digits, maxlen, chars = 3, 7, 12
    rng = np.random.default_rng(1)
    x = np.eye(chars, dtype=bool)[rng.integers(0, chars, size=(64, maxlen))]
    y = np.eye(chars, dtype=bool)[rng.integers(0, chars, size=(64, digits + 1))]
    model = keras.Sequential()
    model.add(layers.Input((maxlen, chars)))
    model.add(layers.LSTM(32))
    model.add(layers.RepeatVector(digits + 1))
    model.add(layers.LSTM(32, return_sequences=True))
    model.add(layers.Dense(chars, activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    history = model.fit(x[:48], y[:48], batch_size=16, epochs=1, validation_data=(x[48:], y[48:]),
                        verbose=0)
    preds = np.argmax(model.predict(x[:3], verbose=0), axis=-1)
    return model, preds, sorted(history.history), preds.shape


def timeseries_classifier(keras, tmp_path):
    """keras-io ``timeseries_classification_from_scratch``: Conv1D/BN/ReLU blocks, GAP,
    plot_model, ReduceLROnPlateau and EarlyStopping(verbose=1)."""
    rng = np.random.default_rng(2)
    x_train = rng.normal(size=(40, 50, 1)).astype("float32")
    y_train = rng.integers(0, 2, size=(40,))
    num_classes = len(np.unique(y_train))

    def make_model(input_shape):
        input_layer = keras.layers.Input(input_shape)
        conv = input_layer
        for _ in range(3):
            conv = keras.layers.Conv1D(filters=16, kernel_size=3, padding="same")(conv)
            conv = keras.layers.BatchNormalization()(conv)
            conv = keras.layers.ReLU()(conv)
        gap = keras.layers.GlobalAveragePooling1D()(conv)
        output_layer = keras.layers.Dense(num_classes, activation="softmax")(gap)
        return keras.models.Model(inputs=input_layer, outputs=output_layer)

    model = make_model(input_shape=x_train.shape[1:])
    keras.utils.plot_model(model, to_file=str(tmp_path / "model.png"), show_shapes=True)
    callbacks = [
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=20,
                                          min_lr=0.0001),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=1, verbose=1,
                                      min_delta=10.0),
    ]
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["sparse_categorical_accuracy"])
    history = model.fit(x_train, y_train, batch_size=8, epochs=5, callbacks=callbacks,
                        validation_split=0.2, verbose=0)
    return model, model.predict(x_train[:4], verbose=0), sorted(history.history), \
        len(history.history["loss"])


PROGRAMS = [
    pytest.param(convnet, id="convnet"),
    # keras-io's addition RNN has boolean one-hot targets (CategoricalAccuracy takes them)
    pytest.param(addition_rnn, id="addition_rnn"),
    pytest.param(timeseries_classifier, id="timeseries_classifier"),
]


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


@pytest.mark.parametrize("program", PROGRAMS)
def test_program_runs_unchanged_and_agrees_with_keras(program, keras, tmp_path, monkeypatch,
                                                      capsys):
    ours_model, ours_out, ours_keys, ours_extra = program(nnlab, tmp_path)
    ours_print = capsys.readouterr().out
    # Keras draws with pydot/graphviz, which this machine lacks: its plot_model is skipped
    monkeypatch.setattr(keras.utils, "plot_model", lambda *a, **k: None)
    ref_model, ref_out, ref_keys, ref_extra = program(keras, tmp_path)
    ref_print = capsys.readouterr().out
    assert ours_model.count_params() == ref_model.count_params()
    assert np.asarray(ours_out).shape == np.asarray(ref_out).shape
    assert ours_keys == ref_keys
    assert ours_extra == ref_extra
    if program is timeseries_classifier:
        assert (tmp_path / "model.png").stat().st_size > 1000
        assert "Epoch 2: early stopping" in ours_print and "Epoch 2: early stopping" in ref_print
