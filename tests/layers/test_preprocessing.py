import numpy as np
import pytest
import torch

import nnlab
from nnlab.errors import ShapeError
from nnlab.layers import Normalization, Rescaling
from tests.layer_harness import run_layer_test

keras = pytest.importorskip("keras")


def test_rescaling():
    run_layer_test(lambda: Rescaling(1 / 255.0, offset=-0.5), (4, 4, 3), (None, 4, 4, 3), 0)
    out = Rescaling(0.5)(torch.tensor([[2, 4]], dtype=torch.uint8))
    assert torch.equal(out, torch.tensor([[1.0, 2.0]]))
    with pytest.raises(TypeError, match="scale must be a number"):
        Rescaling("1/255")


def test_normalization_with_fixed_statistics():
    run_layer_test(lambda: Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 4.0, 4.0]),
                   (5, 3), (None, 5, 3), 0, train_step=False)  # constants, as in Keras
    layer = Normalization(mean=2.0, variance=4.0)
    assert torch.allclose(layer(torch.tensor([[4.0]])), torch.tensor([[1.0]]))


def test_adapt_matches_keras():
    data = np.random.RandomState(0).normal(3.0, 2.0, size=(50, 6, 6, 3)).astype("float32")
    ours = Normalization()
    ours.adapt(data)
    theirs = keras.layers.Normalization()
    theirs.adapt(data)
    x = data[:4]
    ours.eval()
    assert np.allclose(ours(torch.from_numpy(x)).numpy(), np.asarray(theirs(x)), atol=1e-4)


def test_normalization_inside_a_saved_model(tmp_path):
    data = np.random.RandomState(1).uniform(0, 255, size=(20, 8)).astype("float32")
    norm = Normalization()
    norm.adapt(data)
    model = nnlab.Sequential([nnlab.Input(shape=(8,)), norm, nnlab.layers.Dense(2)])
    model.save(tmp_path / "m.nnlab")
    loaded = nnlab.load_model(tmp_path / "m.nnlab")
    x = torch.from_numpy(data[:3])
    assert torch.equal(model(x), loaded(x))
    # mean, variance and Keras' int count are non-trainable weights
    assert model.count_params() == 2 * 8 + 1 + 8 * 2 + 2 == loaded.count_params()
    assert loaded.layers[0].get_weights()[2].dtype == np.int32


def test_normalization_errors():
    with pytest.raises(ValueError, match="both mean and variance"):
        Normalization(mean=1.0)
    with pytest.raises(ValueError, match=r"shape \(samples, \.\.\.\)"):
        Normalization().adapt(np.zeros(3))
    with pytest.raises(ShapeError, match="known feature axis"):
        Normalization()(nnlab.Input(shape=(None,)))


def test_numpy_statistics_are_saved_in_the_config():
    layer = Normalization(mean=np.array([1.0, 2.0]), variance=np.array([1.0, 4.0]))
    layer(nnlab.Input(shape=(2,)))
    config = layer.get_config()
    assert config["mean"] == [1.0, 2.0] and config["variance"] == [1.0, 4.0]


def test_weights_and_parameter_counts_equal_keras():
    """Adapted: mean, variance and an int32 ``count`` (2F + 1); given statistics:
    constants, no weights (issue 28: a ViT port counted one parameter fewer)."""
    data = np.random.RandomState(2).normal(size=(10, 4)).astype("float32")
    for make in (lambda k: k.layers.Normalization(),
                 lambda k: k.layers.Normalization(mean=1.0, variance=2.0)):
        ours, theirs = make(nnlab), make(keras)
        for layer in (ours, theirs):
            if layer.get_config().get("mean") is None:
                layer.adapt(data)
            else:
                layer.build((None, 4))
        assert ours.count_params() == theirs.count_params()
        assert [w.shape for w in ours.get_weights()] == \
            [tuple(w.shape) for w in theirs.get_weights()]
        assert [str(w.dtype) for w in ours.get_weights()] == \
            [str(w.dtype) for w in theirs.get_weights()]
