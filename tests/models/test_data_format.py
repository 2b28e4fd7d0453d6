"""channels_last by default, channels_first by one switch; torch modules in a Sequential."""
import torch
from torch import nn

import nnlab
from nnlab.demo import lecture_cnn
from nnlab.layers import Dense, Flatten


def test_lecture_cnn_channels_last_shapes():
    model = lecture_cnn()
    assert model._output_shapes[:4] == [(None, 26, 26, 32), (None, 13, 13, 32),
                                        (None, 11, 11, 32), (None, 5, 5, 32)]
    assert model(torch.rand(2, 28, 28, 1)).shape == (2, 10)


def test_channels_first_is_one_switch():
    nnlab.set_image_data_format("channels_first")
    model = lecture_cnn(input_shape=(1, 28, 28))
    assert model._output_shapes[:4] == [(None, 32, 26, 26), (None, 32, 13, 13),
                                        (None, 32, 11, 11), (None, 32, 5, 5)]
    assert model.count_params() == 61_482
    assert model(torch.rand(2, 1, 28, 28)).shape == (2, 10)


def test_same_weights_same_predictions_in_both_formats():
    nnlab.set_seed(0)
    last = lecture_cnn()
    nnlab.set_image_data_format("channels_first")
    first = lecture_cnn(input_shape=(1, 28, 28))
    state = dict(zip(first.state_dict(), last.state_dict().values()))
    # Flatten orders features differently (H, W, C vs C, H, W): permute the dense kernel.
    key = [k for k in state if k.endswith("kernel") and state[k].dim() == 2][0]
    kernel = state[key].reshape(64, 5, 5, 32).permute(0, 3, 1, 2).reshape(64, 800)
    state[key] = kernel
    first.load_state_dict(state)
    x = torch.rand(3, 28, 28, 1)
    first.eval(), last.eval()
    assert torch.allclose(last(x), first(x.permute(0, 3, 1, 2)), atol=1e-5)


def test_torch_conv_in_a_channels_last_sequential():
    model = nnlab.Sequential([nnlab.Input(shape=(28, 28, 1)), nn.Conv2d(1, 8, 3), nn.ReLU(),
                              nn.MaxPool2d(2), Flatten(), Dense(10)])
    assert model._output_shapes[0] == (None, 26, 26, 8)
    assert model._output_shapes[2] == (None, 13, 13, 8)
    assert model(torch.rand(2, 28, 28, 1)).shape == (2, 10)
    assert model.count_params() == 8 * 9 + 8 + 13 * 13 * 8 * 10 + 10
