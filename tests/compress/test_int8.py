import pytest
import torch
from torch import nn

from nnlab.compress.int8 import measure_latency, model_size_bytes, quantize_int8
from nnlab.layers import Dense
from nnlab.models import Sequential
from nnlab.optimizers import Adam


def test_int8_copy_is_smaller_and_as_accurate(digits):
    (x, y), (xt, yt) = digits
    torch.manual_seed(0)
    m = Sequential([Dense(256, activation="relu", input_shape=(64,)), Dense(128, activation="relu"),
                    Dense(10, activation="softmax")])
    m.compile(Adam(learning_rate=0.003), "sparse_categorical_crossentropy", metrics=["accuracy"])
    m.fit(x, y, epochs=4, batch_size=64, verbose=0)
    before = {k: v.clone() for k, v in m.state_dict().items()}
    q = quantize_int8(m)
    assert all(torch.equal(before[k], v) for k, v in m.state_dict().items())   # untouched
    xt_t = torch.as_tensor(xt, dtype=torch.float32)
    acc = float((m(xt_t).argmax(-1).numpy() == yt).mean())
    acc_q = float((q(xt_t).argmax(-1).numpy() == yt).mean())
    assert acc > 0.9 and acc_q >= acc - 0.02
    assert (m(xt_t) - q(xt_t)).abs().max() < 0.05                     # close, not identical
    assert not torch.equal(m(xt_t), q(xt_t))
    assert model_size_bytes(m) / model_size_bytes(q) > 3.0
    assert measure_latency(q, xt_t, repeats=3) > 0


def test_plain_torch_linear_and_nothing_to_quantise():
    net = nn.Sequential(nn.Linear(8, 4))
    q = quantize_int8(net)
    assert type(q[0]).__module__.startswith("torch.ao.nn.quantized.dynamic") and isinstance(net[0], nn.Linear)
    with pytest.raises(ValueError, match="supported layer types: Dense, Linear, LSTM"):
        quantize_int8(nn.Sequential(nn.Conv2d(1, 1, 3)))
