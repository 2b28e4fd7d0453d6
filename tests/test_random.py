"""nnlab.random: Keras 3's seed semantics and the distributions' known moments."""
import pytest
import torch

import nnlab
from nnlab import random as nrandom


@pytest.fixture(scope="module")
def keras():
    """Keras 3 on the torch backend (dev-only oracle)."""
    return pytest.importorskip("keras")


def test_int_seed_repeats_seed_generator_advances_and_none_follows_set_seed():
    assert torch.equal(nrandom.normal((5,), seed=3), nrandom.normal((5,), seed=3))
    gen = nrandom.SeedGenerator(7)
    a, b = nrandom.uniform((5,), seed=gen), nrandom.uniform((5,), seed=gen)
    assert not torch.equal(a, b)
    gen2 = nrandom.SeedGenerator(7)
    assert torch.equal(a, nrandom.uniform((5,), seed=gen2))
    nnlab.set_seed(1)
    c = nrandom.normal((4,))
    nnlab.set_seed(1)
    assert torch.equal(c, nrandom.normal((4,)))


def test_distributions_have_the_right_moments_and_ranges():
    n = (200_000,)
    x = nrandom.normal(n, mean=2.0, stddev=3.0, seed=0)
    assert abs(x.mean() - 2.0) < 0.03 and abs(x.std() - 3.0) < 0.03
    u = nrandom.uniform(n, -1.0, 3.0, seed=0)
    assert u.min() >= -1 and u.max() < 3 and abs(u.mean() - 1.0) < 0.02
    t = nrandom.truncated_normal(n, stddev=2.0, seed=0)
    assert t.abs().max() <= 4.0 and abs(t.std() - 2.0 * 0.8796) < 0.02  # std of N truncated at 2
    r = nrandom.randint((1000,), 3, 7, seed=0)
    assert r.dtype == torch.int32 and set(r.tolist()) == {3, 4, 5, 6}
    g = nrandom.gamma(n, 3.0, seed=0)
    assert abs(g.mean() - 3.0) < 0.03
    assert abs(nrandom.beta(n, 2.0, 6.0, seed=0).mean() - 0.25) < 0.01
    assert abs(nrandom.binomial(n, 10, 0.3, seed=0).mean() - 3.0) < 0.02
    c = nrandom.categorical(torch.log(torch.tensor([[0.2, 0.8]])), 20000, seed=0)
    assert c.shape == (1, 20000) and abs(c.float().mean() - 0.8) < 0.02


def test_dropout_and_shuffle():
    x = torch.ones(100_000)
    y = nrandom.dropout(x, 0.25, seed=0)
    assert torch.allclose(y.unique(), torch.tensor([0.0, 4 / 3])) and abs(y.mean() - 1.0) < 0.02
    m = nrandom.dropout(torch.ones(50, 4), 0.5, noise_shape=(None, 1), seed=0)
    assert all(len(set(row.tolist())) == 1 for row in m)
    s = nrandom.shuffle(torch.arange(10), seed=0)
    assert sorted(s.tolist()) == list(range(10)) and s.tolist() != list(range(10))


def test_matches_keras_seed_semantics(keras):
    # Keras too: an int seed repeats, a SeedGenerator advances (numbers differ: other RNG)
    assert bool(keras.ops.all(keras.random.normal((3,), seed=1) ==
                              keras.random.normal((3,), seed=1)))
    gen = keras.random.SeedGenerator(1)
    assert not bool(keras.ops.all(keras.random.normal((3,), seed=gen) ==
                                  keras.random.normal((3,), seed=gen)))


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="maxval must be > minval"):
        nrandom.randint((2,), 5, 5)
    with pytest.raises(TypeError, match="seed must be None, an int or a"):
        nrandom.normal((2,), seed="abc")
    with pytest.raises(ValueError, match="dtype must be a float dtype"):
        nrandom.normal((2,), dtype="int32")
    with pytest.raises(ValueError, match="rate must be in"):
        nrandom.dropout(torch.ones(2), 1.0)
