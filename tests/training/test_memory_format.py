"""The conv memory format chosen per model and machine (training/memory_format.py)."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab import config
from nnlab.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from nnlab.training import memory_format


@pytest.fixture
def setting(tmp_path, monkeypatch):
    before = config.conv_memory_format()
    monkeypatch.setenv("NNLAB_CACHE_DIR", str(tmp_path / "cache"))  # choices stored here
    memory_format._CHOICES.clear()
    yield
    config.set_conv_memory_format(before)
    memory_format._CHOICES.clear()


def _cnn(dropout=0.0):
    nnlab.set_seed(0)
    model = nnlab.Sequential([Conv2D(4, 3, activation="relu", input_shape=(10, 10, 1)),
                              MaxPooling2D(2), Conv2D(4, 3, padding="same"), Flatten(), Dropout(dropout),
                              Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.random((48, 10, 10, 1), dtype=np.float32), rng.integers(0, 3, 48)


def _kernels(model):
    return memory_format.conv_kernels(model)


def _same_training(results, a, b):
    """Weights and predictions of the runs ``a`` and ``b`` agree to float rounding."""
    for wa, wb in zip(results[a][0], results[b][0]):
        np.testing.assert_allclose(wa, wb, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(results[a][1], results[b][1], rtol=1e-4, atol=1e-5)


def _all_back_to_channels_last(model):
    """Every kernel channels_last again and no layer converting its input."""
    return all(not layer._nchw_inputs and layer.kernel.is_contiguous(
        memory_format=torch.channels_last) for layer in memory_format.conv_layers(model))


class _KernelFormat(nnlab.callbacks.Callback):
    """Records whether the conv kernels are channels_last during the fit."""

    def __init__(self):
        super().__init__()
        self.seen = set()

    def on_train_batch_end(self, batch, logs=None):
        self.seen.update(k.is_contiguous(memory_format=torch.channels_last)
                         for k in _kernels(self.model) if k.shape[1] > 1 and k.shape[2] > 1)


def test_both_formats_train_to_the_same_weights(setting, tmp_path):
    x, y = _data()
    before = x.copy()
    results = {}
    for fmt in ("channels_last", "contiguous"):
        config.set_conv_memory_format(fmt)
        model = _cnn()
        probe = _KernelFormat()
        model.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False, callbacks=[probe])
        assert model._conv_memory_format == fmt
        assert probe.seen == {fmt == "channels_last"}  # the format the fit ran in
        # after fit: back to channels_last storage, so a reloaded copy computes alike
        assert all(k.is_contiguous(memory_format=torch.channels_last) for k in _kernels(model))
        assert [w.shape for w in model.get_weights()][0] == (3, 3, 1, 4)  # Keras layout
        model.save(tmp_path / f"{fmt}.nnlab")
        back = nnlab.load_model(tmp_path / f"{fmt}.nnlab")
        np.testing.assert_array_equal(back.predict(x, verbose=0), model.predict(x, verbose=0))
        results[fmt] = (model.get_weights(), model.predict(x, verbose=0))
    _same_training(results, "channels_last", "contiguous")
    np.testing.assert_array_equal(x, before)  # the caller's array is never rewritten


def test_auto_keeps_nchw_only_when_measured_faster_and_measures_once(setting, monkeypatch):
    calls = []

    def fake(times):
        def measure(model, xb, repeats=2):
            calls.append(tuple(xb.shape))
            return times
        return measure

    x, y = _data()
    config.set_conv_memory_format("auto")
    monkeypatch.setattr(memory_format, "measure", fake({"channels_last": 1.0,
                                                        "contiguous": 0.5}))
    model = _cnn()
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert model._conv_memory_format == "contiguous" and calls == [(16, 10, 10, 1)]
    _cnn().fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert len(calls) == 1  # the same signature on this machine: remembered
    memory_format._CHOICES.clear()  # a new process: the stored choice is read back
    model = _cnn()
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert model._conv_memory_format == "contiguous" and len(calls) == 1
    memory_format._store().write_text("{not json")  # a damaged store: measured afresh
    memory_format._CHOICES.clear()
    monkeypatch.setattr(memory_format, "measure", fake({"channels_last": 1.0,
                                                        "contiguous": 0.99}))
    model = _cnn()
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert model._conv_memory_format == "channels_last"  # within the 3% margin: default


def test_the_measurement_is_real_and_leaves_the_seeded_run_alone(setting):
    """A real measurement runs both formats on the model and puts back what it changed;
    training after it equals training with the choice already remembered (the trial's dropout does not consume the seed's
    random stream) and the model's own weights are not touched by the trial."""
    x, y = _data()
    config.set_conv_memory_format("auto")
    seconds = memory_format.measure(_cnn(), torch.as_tensor(x[:16]))
    assert set(seconds) == {"channels_last", "contiguous"} and min(seconds.values()) > 0
    first = _cnn(dropout=0.5)
    untouched = [w.copy() for w in first.get_weights()]
    fmt = memory_format.choose(first, torch.as_tensor(x[:16]))
    for a, b in zip(first.get_weights(), untouched):
        np.testing.assert_array_equal(a, b)
    memory_format._CHOICES.clear()
    measured = _cnn(dropout=0.5)
    measured.fit(x, y, epochs=1, batch_size=16, verbose=0)  # measures again
    remembered = _cnn(dropout=0.5)
    remembered.fit(x, y, epochs=1, batch_size=16, verbose=0)  # uses the stored choice
    assert measured._conv_memory_format == remembered._conv_memory_format
    assert fmt in ("channels_last", "contiguous")
    for a, b in zip(measured.get_weights(), remembered.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_dense_models_and_bad_values(setting):
    x, y = _data()
    model = nnlab.Sequential([Flatten(input_shape=(10, 10, 1)), Dense(3)])
    model.compile("adam", "mse")
    model.fit(x, np.zeros((48, 3), np.float32), epochs=1, verbose=0)
    assert not hasattr(model, "_conv_memory_format")  # nothing to choose
    with pytest.raises(ValueError, match="set_conv_memory_format: memory_format must be one"):
        config.set_conv_memory_format("nhwc")


def test_one_by_one_kernels_get_the_strides_of_the_format(setting):
    """A 1x1 kernel counts as contiguous in both formats, but oneDNN reads its strides to
    lay out the activations: converted by strides, the whole net runs in one format (a
    1x1 shortcut left channels_last made ResNet-18's NCHW mode 20% slower here)."""
    model = nnlab.Sequential([Conv2D(8, 3, padding="same", input_shape=(6, 6, 4)),
                              Conv2D(8, 1)])
    memory_format.convert_kernels(model, "contiguous")
    one_by_one = _kernels(model)[1]
    assert one_by_one.stride() == torch.empty(8, 8, 1, 1).stride()
    x = memory_format.in_memory_format(torch.rand(2, 6, 6, 4), "contiguous")
    assert model(x).movedim(-1, 1).is_contiguous()
    memory_format.convert_kernels(model, "channels_last")
    assert _kernels(model)[1].stride() == torch.empty_like(
        torch.empty(8, 8, 1, 1), memory_format=torch.channels_last).stride()
    assert not model(x).movedim(-1, 1).is_contiguous()  # channels_last all through


def _late_cnn():
    """Its second conv's kernel (64 x 8 x 3 x 3 = 4,608) outweighs its output for a batch
    of 16 (16 x 64 x 2 x 2 = 4,096): the layer "mixed" runs in NCHW."""
    nnlab.set_seed(0)
    model = nnlab.Sequential([Conv2D(8, 3, padding="same", activation="relu",
                                     input_shape=(8, 8, 3), name="early"),
                              MaxPooling2D(2), Conv2D(64, 3, name="late"), Flatten(),
                              Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


class _LayerFormats(nnlab.callbacks.Callback):
    """Records, per conv layer, (kernel is channels_last, input converted) during fit."""

    def __init__(self):
        super().__init__()
        self.seen = set()

    def on_train_batch_end(self, batch, logs=None):
        for layer in memory_format.conv_layers(self.model):
            self.seen.add((layer.name, layer.kernel.is_contiguous(
                memory_format=torch.channels_last), layer._nchw_inputs))


def test_mixed_runs_the_late_layers_in_nchw_and_trains_alike(setting):
    rng = np.random.default_rng(1)
    x, y = rng.random((48, 8, 8, 3), dtype=np.float32), rng.integers(0, 3, 48)
    late = memory_format.late_layers(_late_cnn(), torch.as_tensor(x[:16]))
    assert [layer.name for layer in late] == ["late"]
    results = {}
    for fmt in ("channels_last", "mixed"):
        config.set_conv_memory_format(fmt)
        model = _late_cnn()
        probe = _LayerFormats()
        model.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False, callbacks=[probe])
        assert model._conv_memory_format == fmt
        expected = {("early", True, False), ("late", fmt == "channels_last", fmt == "mixed")}
        assert probe.seen == expected
        assert _all_back_to_channels_last(model)  # after fit
        results[fmt] = (model.get_weights(), model.predict(x, verbose=0))
    _same_training(results, "channels_last", "mixed")


def test_auto_measures_mixed_only_where_a_kernel_outweighs_its_output(setting, monkeypatch):
    rng = np.random.default_rng(1)
    x = torch.as_tensor(rng.random((16, 8, 8, 3), dtype=np.float32))
    model = _late_cnn()
    seconds = memory_format.measure(model, x)
    assert set(seconds) == {"channels_last", "contiguous", "mixed"}
    assert _all_back_to_channels_last(model)  # the probe put everything back
    assert set(memory_format.measure(_cnn(), torch.rand(16, 10, 10, 1))) == \
        {"channels_last", "contiguous"}  # no kernel outweighs its output: two candidates
    config.set_conv_memory_format("auto")
    monkeypatch.setattr(memory_format, "measure", lambda m, xb, repeats=3: {
        "channels_last": 1.0, "contiguous": 0.9, "mixed": 0.8})
    assert memory_format.choose(_late_cnn(), x) == "mixed"
