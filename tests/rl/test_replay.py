import numpy as np
import pytest
import torch

from nnlab.rl import ReplayBuffer


def test_sampling_is_uniform_over_filled_rows_chi_square():
    scipy_stats = pytest.importorskip("scipy.stats")
    buf = ReplayBuffer(50, (3,), generator=torch.Generator().manual_seed(0))
    for i in range(80):  # wraps: rows hold transitions 30..79
        buf.add(np.full(3, i), i % 2, float(i), np.zeros(3), False)
    assert len(buf) == 50
    counts = np.zeros(80)
    for _ in range(2500):
        obs, *_ = buf.sample(40)
        counts += np.bincount(obs[:, 0].long().numpy(), minlength=80)
    assert counts[:30].sum() == 0  # overwritten transitions are gone
    p = scipy_stats.chisquare(counts[30:]).pvalue
    assert p > 1e-3


def test_sample_shapes_and_types():
    buf = ReplayBuffer(10, (4,))
    for i in range(5):
        buf.add(np.ones(4), 1, 1.0, np.zeros(4), i == 4)
    obs, action, reward, nxt, done = buf.sample(3)
    assert obs.shape == (3, 4) and nxt.shape == (3, 4)
    assert action.dtype == torch.int64 and reward.shape == (3,) and done.shape == (3,)


def test_bad_capacity_and_oversized_batch():
    with pytest.raises(ValueError, match="capacity must be a positive int, got 0"):
        ReplayBuffer(0, (1,))
    buf = ReplayBuffer(4, (1,))
    buf.add([0.0], 0, 0.0, [0.0], False)
    with pytest.raises(ValueError, match="batch_size 2 > 1 stored"):
        buf.sample(2)


def test_sample_many_is_repeated_sample_from_the_same_stream():
    buf = ReplayBuffer(100, (2,), generator=torch.Generator().manual_seed(3))
    for i in range(70):
        buf.add(np.full(2, i), i % 3, float(i), np.full(2, -i), i % 7 == 0)
    many = buf.sample_many(5, 8)
    assert many[0].shape == (5, 8, 2) and many[1].shape == (5, 8) and many[1].dtype == torch.int64
    buf.generator.manual_seed(3)
    for step in range(5):
        for field, one in zip(many, buf.sample(8)):
            assert torch.equal(field[step], one)
    with pytest.raises(ValueError, match="batch_size 80 > 70 stored"):
        buf.sample_many(2, 80)
