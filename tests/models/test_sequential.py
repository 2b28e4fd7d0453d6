import numpy as np
import pytest
import torch
from torch import nn

import nnlab
from nnlab.errors import ShapeError
from nnlab.layers import Dense, Dropout, Flatten


def lecture_dense():
    return nnlab.Sequential([Dense(512, input_shape=(784,), activation="relu"),
                             Dense(10, activation="softmax")])


def test_lecture_dense_summary_figures(capsys):
    model = lecture_dense()
    model.summary()
    text = capsys.readouterr().out
    rows = [line for line in text.splitlines() if "(Dense)" in line]
    assert "(None, 512)" in rows[0] and "401,920" in rows[0]
    assert "(None, 10)" in rows[1] and "5,130" in rows[1]
    assert "Total params: 407,050" in text
    assert "Trainable params: 407,050" in text
    assert "Non-trainable params: 0" in text
    assert model.count_params() == 407_050


def test_add_pop_layers_and_get_layer():
    model = nnlab.Sequential()
    model.add(nnlab.Input(shape=(4,)))
    model.add(Dense(3, name="hidden"))
    model.add(Dense(2))
    assert model.output_shape == (None, 2)
    assert model.get_layer("hidden").units == 3
    assert model.get_layer(index=-1).units == 2
    model.pop()
    assert model.output_shape == (None, 3)
    with pytest.raises(ValueError, match="No layer named 'nope'.*hidden"):
        model.get_layer("nope")


def test_lazy_build_from_first_batch():
    model = nnlab.Sequential([Dense(8, activation="relu"), Dense(2)])
    assert not model.built
    out = model(torch.randn(5, 3))
    assert out.shape == (5, 2) and model.built
    assert model.count_params() == 3 * 8 + 8 + 8 * 2 + 2


def test_numpy_input_and_torch_module_layers():
    model = nnlab.Sequential([Dense(8, input_shape=(3,)), nn.ReLU(), nn.Linear(8, 2)])
    out = model(np.ones((4, 3)))
    assert out.shape == (4, 2)
    assert model.count_params() == 3 * 8 + 8 + 8 * 2 + 2
    assert model.output_shape == (None, 2)


def test_model_is_a_torch_module():
    model = lecture_dense()
    assert isinstance(model, nn.Module)
    assert sum(p.numel() for p in model.parameters()) == 407_050
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = model(torch.randn(2, 784)).sum()
    loss.backward()
    opt.step()
    assert set(model.state_dict()) == {"dense.kernel", "dense.bias", "dense_1.kernel",
                                       "dense_1.bias"} or len(model.state_dict()) == 4


def test_wrong_input_shape_is_refused_before_work():
    model = lecture_dense()
    with pytest.raises(ShapeError, match=r"expects input shape \(None, 784\), got \(None, 100\)"):
        model(torch.randn(2, 100))


def test_training_argument_controls_dropout():
    model = nnlab.Sequential([Dropout(0.5, input_shape=(1000,))])
    x = torch.ones(1, 1000)
    assert torch.equal(model(x, training=False), x)
    y = model(x, training=True)
    assert (y == 0).any() and torch.allclose(y.max(), torch.tensor(2.0))
    model.eval()
    assert torch.equal(model(x), x)


def test_unbuilt_summary_explains_what_to_do():
    model = nnlab.Sequential([Dense(3)])
    with pytest.raises(ValueError, match="input_shape"):
        model.summary()


def test_layer_output_of_sequential_feeds_a_functional_model():
    model = nnlab.Sequential([Dense(6, input_shape=(4,), activation="relu"), Dense(2)])
    features = nnlab.Model(inputs=model.input, outputs=model.layers[0].output)
    x = torch.randn(3, 4)
    assert torch.equal(features(x), model.layers[0](x))


def test_flatten_orders_like_keras():
    model = nnlab.Sequential([Flatten(input_shape=(2, 2, 3))])
    x = torch.arange(12.0).reshape(1, 2, 2, 3)
    assert torch.equal(model(x)[0], torch.arange(12.0))


def test_model_reset_states_resets_stateful_layers():
    from nnlab.layers import LSTM
    model = nnlab.Sequential([LSTM(4, stateful=True, input_shape=(3, 2))])
    model.eval()
    x = torch.randn(1, 3, 2)
    first = model(x)
    assert not torch.allclose(model(x), first)  # the state carried over
    model.reset_states()
    assert torch.allclose(model(x), first)


def test_glorot_uniform_on_vectors():
    from nnlab import initializers
    w = torch.empty(600)
    initializers.get("glorot_uniform")(w)
    assert w.abs().max().item() <= (6.0 / 1200) ** 0.5


def test_automatic_names_skip_names_given_explicitly():
    from nnlab.utils.naming import to_snake_case, unique_name
    taken = unique_name(to_snake_case("Probe")) + "_7"
    Dense(2, name=taken)
    names = {unique_name("probe") for _ in range(10)}
    assert taken not in names
