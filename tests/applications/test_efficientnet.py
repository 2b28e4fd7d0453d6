"""EfficientNetB0-B7 against keras.applications (weights=None): Keras' layer names and order,
parameter counts (B0 with the top: 5,330,571) and output shapes; with Keras' weights (read
from a Keras-written .weights.h5 by position), B0 predicts what Keras predicts."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab import applications

VARIANTS = ["EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3",
            "EfficientNetB4", "EfficientNetB5", "EfficientNetB6", "EfficientNetB7"]


def _compare(keras, name, **kwargs):
    kwargs = dict(weights=None, **kwargs)
    keras.backend.clear_session()
    nnlab.backend.clear_session()
    theirs = getattr(keras.applications, name)(**kwargs)
    with torch.device("meta"):
        ours = getattr(applications, name)(**kwargs)
    assert [lyr.name for lyr in ours.layers][1:] == [lyr.name for lyr in theirs.layers][1:]
    assert ours.count_params() == theirs.count_params()
    trainable = sum(p.numel() for p in ours.parameters() if p.requires_grad)
    assert trainable == sum(int(np.prod(w.shape)) for w in theirs.trainable_weights)
    assert tuple(ours.output_shape) == tuple(theirs.output_shape)
    return ours.count_params()


def test_efficientnet_b0_matches_keras(keras):
    assert _compare(keras, "EfficientNetB0") == 5_330_571
    _compare(keras, "EfficientNetB0", include_top=False, pooling="max", input_shape=(65, 63, 3))
    assert applications.EfficientNetB0 is applications.efficientnet.EfficientNetB0


@pytest.mark.slow
def test_efficientnet_b0_to_b7_match_keras_counts(keras):
    counts = [_compare(keras, name) for name in VARIANTS]
    assert counts[0] == 5_330_571 and counts == sorted(counts)


def test_efficientnet_b0_with_keras_weights_predicts_as_keras(keras, tmp_path):
    keras.utils.set_random_seed(0)
    kwargs = dict(weights=None, include_top=False, pooling="avg", input_shape=(64, 64, 3))
    theirs = keras.applications.EfficientNetB0(**kwargs)
    path = str(tmp_path / "b0.weights.h5")
    theirs.save_weights(path)
    ours = applications.EfficientNetB0(**kwargs)
    ours.load_weights(path)
    x = np.random.default_rng(0).uniform(0, 255, size=(2, 64, 64, 3)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-4)


def test_rescaling_takes_one_value_per_channel():
    layer = nnlab.layers.Rescaling([1.0, 2.0, 4.0], offset=[0.0, 0.0, 1.0])
    out = layer(torch.ones(2, 3))
    assert out.tolist() == [[1.0, 2.0, 5.0]] * 2
    assert layer.get_config()["scale"] == [1.0, 2.0, 4.0]
    with pytest.raises(TypeError, match="scale must be a number or a sequence of numbers"):
        nnlab.layers.Rescaling(["a"])
