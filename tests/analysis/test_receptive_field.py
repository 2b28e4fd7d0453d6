"""Receptive field growth: the lecture's stacked-3x3 statements, the recurrence, and a
check against the gradient's actual footprint; the lecture's output-size formula
(N - F + 2P)/S + 1 and its "doesn't fit" error."""
import pytest
import torch

import nnlab
from nnlab.analysis import output_size, receptive_field
from nnlab.layers import (
    AveragePooling2D,
    Conv2D,
    Dense,
    Flatten,
    GlobalAveragePooling2D,
    ZeroPadding2D,
    add,
)


def stack(n, kernel=3, **kw):
    return nnlab.Sequential([Conv2D(2, kernel, input_shape=(32, 32, 1), **kw)]
                            + [Conv2D(2, kernel, **kw) for _ in range(n - 1)])


def test_three_3x3_see_what_one_7x7_sees():
    assert receptive_field(stack(3))[-1].size == (7, 7)
    assert receptive_field(stack(1, 7))[-1].size == (7, 7)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 8])
def test_n_stacked_3x3_see_2n_plus_1(n):
    rows = receptive_field(stack(n, padding="same"))
    assert [r.size for r in rows] == [(2 * i + 1,) * 2 for i in range(n + 1)]
    assert rows[0].name == "input" and all(r.jump == (1, 1) for r in rows)


def test_recurrence_with_strides_pooling_and_dilation():
    model = nnlab.Sequential([
        Conv2D(2, 3, input_shape=(64, 64, 1)),          # r 3,  j 1, start 1
        AveragePooling2D(2),                              # r 4,  j 2, start 1.5
        Conv2D(2, 3, strides=2),                          # r 8,  j 4, start 3.5
        Conv2D(2, 3, dilation_rate=2),                    # r 24, j 4, start 11.5
    ])
    rows = receptive_field(model)
    assert [r.size[0] for r in rows] == [1, 3, 4, 8, 24]
    assert [r.jump[0] for r in rows] == [1, 1, 2, 4, 4]
    assert [r.start[0] for r in rows] == [0.0, 1.0, 1.5, 3.5, 11.5]


def test_padding_moves_the_start():
    model = nnlab.Sequential([ZeroPadding2D(2, input_shape=(16, 16, 1)), Conv2D(1, 5)])
    assert receptive_field(model)[-1].start == (0.0, 0.0)
    same = nnlab.Sequential([Conv2D(1, 3, strides=2, padding="same", input_shape=(16, 16, 1))])
    assert receptive_field(same)[-1].start == (1.0, 1.0)  # TF "same" pads (0, 1): none before


def _gradient_footprint(model, shape):
    """Rows/cols of the input that influence output unit (0, 0, channel 0)."""
    for p in model.parameters():
        torch.nn.init.constant_(p, 0.1)
    x = torch.ones((1,) + shape, requires_grad=True)
    model(x)[0, 0, 0, 0].backward()
    hit = x.grad[0, :, :, 0].abs() > 0
    rows, cols = hit.any(1).nonzero().flatten(), hit.any(0).nonzero().flatten()
    return rows.min().item(), rows.max().item(), cols.min().item(), cols.max().item()


def test_recurrence_matches_the_gradient_footprint():
    model = nnlab.Sequential([
        Conv2D(3, 3, input_shape=(48, 48, 1)), AveragePooling2D(2),
        Conv2D(3, (3, 5), strides=2), Conv2D(3, 3, dilation_rate=2),
    ])
    row = receptive_field(model)[-1]
    lo_r, hi_r, lo_c, hi_c = _gradient_footprint(model, (48, 48, 1))
    assert (hi_r - lo_r + 1, hi_c - lo_c + 1) == row.size
    assert ((lo_r + hi_r) / 2, (lo_c + hi_c) / 2) == row.start


def test_functional_graph_follows_the_longest_path():
    x = nnlab.Input((32, 32, 4))
    h = Conv2D(4, 3, padding="same", name="rf_a")(x)
    h = Conv2D(4, 3, padding="same", name="rf_b")(h)
    y = add([h, x])                                   # the shortcut sees 1x1
    y = GlobalAveragePooling2D(name="rf_gap")(y)
    model = nnlab.Model(x, Dense(2, name="rf_out")(y))
    rows = receptive_field(model)
    assert [r.name for r in rows[:3]] == ["input", "rf_a", "rf_b"]
    assert rows[3].class_name == "Add" and rows[3].size == (5, 5)
    assert rows[4].name == "rf_gap" and rows[4].size == (5 + 31, 5 + 31)


def test_flatten_sees_the_whole_map():
    model = nnlab.Sequential([Conv2D(1, 3, input_shape=(5, 5, 1)), Flatten(), Dense(1)])
    assert receptive_field(model)[-1].size == (5, 5)


# ----------------------------------------------------------------------- output_size
@pytest.mark.parametrize("n, f, p, s, expected", [
    (7, 3, 0, 1, 5), (7, 3, 0, 2, 3), (32, 5, 2, 1, 32), (227, 11, 0, 4, 55),
    (224, 3, 1, 1, 224), (224, 2, 0, 2, 112), (5, 5, 0, 1, 1),
])
def test_output_size_lecture_examples(n, f, p, s, expected):
    assert output_size(n, f, p, s) == expected


def test_output_size_stride_that_does_not_fit_names_the_numbers():
    with pytest.raises(ValueError) as err:
        output_size(7, 3, 0, 3)
    msg = str(err.value)
    assert "(7 - 3 + 2*0)/3 + 1" in msg and "2.33" in msg and "not an integer" in msg


def test_output_size_filter_larger_than_input():
    with pytest.raises(ValueError, match=r"< 1.*larger than the padded input N \+ 2P = 3"):
        output_size(3, 5, 0, 1)


@pytest.mark.parametrize("args", [(0, 3, 0, 1), (7, 0, 0, 1), (7, 3, -1, 1), (7, 3, 0, 0),
                                  (7.0, 3, 0, 1), (7, 3, 0, True)])
def test_output_size_bad_arguments(args):
    with pytest.raises(ValueError, match="output_size"):
        output_size(*args)


def test_output_size_agrees_with_conv2d_where_it_divides():
    for n, f, s in [(28, 5, 1), (29, 3, 2), (64, 4, 4)]:
        shape = Conv2D(1, f, strides=s)(nnlab.Input((n, n, 1))).shape
        assert shape[1] == output_size(n, f, 0, s)
