import numpy as np
import pytest
import torch

from nnlab.compress.int8 import model_size_bytes
from nnlab.compress.static_int8 import quantize_static_int8
from nnlab.layers import Conv2D, Dense, Flatten, LSTM, MaxPooling2D
from nnlab.models import Sequential
from nnlab.optimizers import Adam


def lenet_small(seed=0):
    torch.manual_seed(seed)
    m = Sequential([Conv2D(16, 3, activation="relu", input_shape=(8, 8, 1)), MaxPooling2D(2),
                    Conv2D(16, 2), Flatten(), Dense(64, activation="relu"),
                    Dense(10, activation="softmax")])
    m.compile(Adam(learning_rate=0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def test_static_int8_conv_net_is_calibrated_smaller_and_as_accurate(digits):
    (x, y), (xt, yt) = digits
    x, xt = x.reshape(-1, 8, 8, 1).astype("float32"), xt.reshape(-1, 8, 8, 1).astype("float32")
    m = lenet_small()
    m.fit(x, y, epochs=6, batch_size=64, verbose=0)
    before = {k: v.clone() for k, v in m.state_dict().items()}
    q = quantize_static_int8(m, x[:256])
    assert all(torch.equal(before[k], v) for k, v in m.state_dict().items())   # untouched
    kinds = {type(mod).__module__ for mod in q.modules()}
    assert "torch.ao.nn.intrinsic.quantized.modules.conv_relu" in kinds        # fused int8 conv
    p, pq = m.predict(xt, verbose=0), q(torch.as_tensor(xt)).numpy()
    assert np.allclose(pq.sum(-1), 1, atol=1e-5)                               # softmax kept
    acc, acc_q = (p.argmax(-1) == yt).mean(), (pq.argmax(-1) == yt).mean()
    assert acc > 0.9 and acc_q >= acc - 0.02
    assert (p.argmax(-1) == pq.argmax(-1)).mean() > 0.97     # channels_last flatten mapped right
    assert not np.allclose(p, pq, atol=1e-6)                 # really quantised
    assert model_size_bytes(m) / model_size_bytes(q) > 1.5   # tiny net: per-channel scales weigh


def test_static_int8_refuses_unsupported_layers_and_empty_calibration():
    m = Sequential([LSTM(4, input_shape=(5, 3)), Dense(2)])
    with pytest.raises(TypeError, match="layer .* of type LSTM is not supported; supported: "
                                        "Conv2D, Dense"):
        quantize_static_int8(m, np.zeros((4, 5, 3), "float32"))
    with pytest.raises(ValueError, match=r"calibration_x must be a non-empty batch"):
        quantize_static_int8(lenet_small(), np.zeros((0, 8, 8, 1), "float32"))
    t = Sequential([Dense(4, activation="tanh", input_shape=(3,))])
    with pytest.raises(TypeError, match="activation 'tanh'; supported: relu, linear"):
        quantize_static_int8(t, np.zeros((4, 3), "float32"))
