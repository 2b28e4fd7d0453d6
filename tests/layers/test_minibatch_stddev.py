"""MinibatchStdDev: known answers by hand, groups, both data formats, harness, errors."""
import pytest
import torch

import nnlab
from nnlab.layers import MinibatchStdDev
from tests.layer_harness import run_layer_test


def test_harness_shape_and_no_weights():
    run_layer_test(lambda: MinibatchStdDev(2), (3, 3, 2), expected_output_shape=(None, 3, 3, 3),
                   expected_params=0, gradcheck=True)


def test_known_answer_per_group():
    # batch of 4, one pixel, one channel: groups {0, 2} and {1, 1} (group_size 2)
    x = torch.tensor([0.0, 2.0, 1.0, 1.0]).reshape(4, 1, 1, 1)
    out = MinibatchStdDev(2, epsilon=1e-8)(x)
    assert out.shape == (4, 1, 1, 2)
    assert torch.equal(out[..., 0], x[..., 0])  # the input passes through unchanged
    # biased std of {0, 2} = 1, of {1, 1} = sqrt(eps) = 1e-4
    torch.testing.assert_close(out[:, 0, 0, 1], torch.tensor([1.0, 1.0, 1e-4, 1e-4]))


def test_mean_over_features_and_positions_whole_batch():
    # two samples, 2x2 pixels, 2 channels; per-feature std over the batch is |a - b| / 2
    a = torch.zeros(1, 2, 2, 2)
    b = torch.arange(8.0).reshape(1, 2, 2, 2)  # features 0..7: std 0, 0.5, ..., 3.5
    out = MinibatchStdDev(None)(torch.cat([a, b]))
    expected = torch.tensor([((k / 2) ** 2 + 1e-8) ** 0.5 for k in range(8)]).mean()  # 1.75
    assert out.shape == (2, 2, 2, 3)
    torch.testing.assert_close(out[..., 2], expected.expand(2, 2, 2))


def test_channels_first_and_uneven_batches():
    x = torch.randn(6, 5, 5, 3)
    last = MinibatchStdDev(4)(x)  # 6 is not a multiple of 4: groups of 3 are used
    first = MinibatchStdDev(4, data_format="channels_first")(x.permute(0, 3, 1, 2))
    torch.testing.assert_close(first.permute(0, 2, 3, 1), last)
    g0 = torch.sqrt(x[:3].var(0, unbiased=False) + 1e-8).mean()
    torch.testing.assert_close(last[0, 0, 0, 3], g0)
    assert torch.equal(MinibatchStdDev(4)(x[:1])[..., 3], torch.full((1, 5, 5), 1e-4))
    assert MinibatchStdDev(4, data_format="channels_first").compute_output_shape(
        (None, 3, 7, 7)) == (None, 4, 7, 7)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="MinibatchStdDev: group_size must be a positive int"):
        MinibatchStdDev(0)
    with pytest.raises(ValueError, match="MinibatchStdDev: epsilon must be a number > 0"):
        MinibatchStdDev(4, epsilon=0)
    with pytest.raises(nnlab.ShapeError, match="rank 4"):
        MinibatchStdDev(4)(nnlab.Input((3, 4)))
