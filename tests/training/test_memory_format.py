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
    for a, b in zip(results["channels_last"][0], results["contiguous"][0]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(results["channels_last"][1], results["contiguous"][1],
                               rtol=1e-4, atol=1e-5)
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
