"""What runs on a GPU: skipped here (no CUDA on these machines), run wherever torch sees
one (``pytest -m gpu``). Every tensor nnlab creates follows the model's device."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab.layers import Conv2D, Dense, Flatten, MaxPooling2D

pytestmark = pytest.mark.gpu


def _cnn():
    nnlab.set_seed(0)
    model = nnlab.Sequential([Conv2D(8, 3, activation="relu", input_shape=(12, 12, 1)),
                              MaxPooling2D(2), Flatten(), Dense(4, activation="softmax")])
    return model.to("cuda")


def _data():
    rng = np.random.default_rng(0)
    return rng.random((256, 12, 12, 1), dtype=np.float32), rng.integers(0, 4, 256)


def test_fit_evaluate_predict_on_cuda():
    model = _cnn()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = _data()
    history = model.fit(x, y, epochs=3, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert all(p.device.type == "cuda" for p in model.parameters())
    assert model.predict(x[:5], verbose=0).shape == (5, 4)
    assert 0 <= model.evaluate(x, y, verbose=0)[1] <= 1
    assert model.compiled.optimizer.nnlab_kernel == "fused"  # torch's CUDA fused Adam


@pytest.mark.parametrize("precision", ["fp16", "bf16"])
def test_mixed_precision_trains_and_fp16_scales_the_loss(precision):
    model = _cnn()
    model.compile("adam", "sparse_categorical_crossentropy", precision=precision)
    x, y = _data()
    history = model.fit(x, y, epochs=3, batch_size=32, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert history.history["loss"][-1] < history.history["loss"][0]
    scaler = model.compiled.loss_scaler
    assert (scaler is not None and scaler.get_scale() > 1) == (precision == "fp16")


def test_tensors_made_inside_follow_the_model_device():
    model = _cnn()
    x, _ = _data()
    out = model(torch.as_tensor(x[:3], device="cuda"))
    assert out.device.type == "cuda"
    from nnlab.analysis import count_params
    assert count_params(model).total == model.count_params()
