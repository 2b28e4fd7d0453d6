"""The lecture's output-size formula (N - F + 2P)/S + 1 and its "doesn't fit" error."""
import pytest

from nnlab.analysis import output_size


@pytest.mark.parametrize("n, f, p, s, expected", [
    (7, 3, 0, 1, 5), (7, 3, 0, 2, 3), (32, 5, 2, 1, 32), (227, 11, 0, 4, 55),
    (224, 3, 1, 1, 224), (224, 2, 0, 2, 112), (5, 5, 0, 1, 1),
])
def test_lecture_examples(n, f, p, s, expected):
    assert output_size(n, f, p, s) == expected


def test_stride_that_does_not_fit_names_the_numbers():
    with pytest.raises(ValueError) as err:
        output_size(7, 3, 0, 3)
    msg = str(err.value)
    assert "(7 - 3 + 2*0)/3 + 1" in msg and "2.33" in msg and "not an integer" in msg


def test_filter_larger_than_input():
    with pytest.raises(ValueError, match=r"< 1.*larger than the padded input N \+ 2P = 3"):
        output_size(3, 5, 0, 1)


@pytest.mark.parametrize("args", [(0, 3, 0, 1), (7, 0, 0, 1), (7, 3, -1, 1), (7, 3, 0, 0),
                                  (7.0, 3, 0, 1), (7, 3, 0, True)])
def test_bad_arguments(args):
    with pytest.raises(ValueError, match="output_size"):
        output_size(*args)


def test_agrees_with_conv2d_where_it_divides():
    import nnlab
    from nnlab.layers import Conv2D
    for n, f, s in [(28, 5, 1), (29, 3, 2), (64, 4, 4)]:
        shape = Conv2D(1, f, strides=s)(nnlab.Input((n, n, 1))).shape
        assert shape[1] == output_size(n, f, 0, s)
