"""set_random_seed and clear_session (keras.utils)."""
import numpy as np
import torch

import nnlab
from nnlab.utils import clear_session, set_random_seed


def test_set_random_seed_makes_weights_and_draws_repeat():
    runs = []
    for _ in range(2):
        set_random_seed(7)
        layer = nnlab.layers.Dense(3)
        layer(torch.ones(1, 4))
        runs.append((layer.kernel.detach().clone(), np.random.rand(2), torch.rand(2)))
    assert torch.equal(runs[0][0], runs[1][0]) and np.array_equal(runs[0][1], runs[1][1])
    assert torch.equal(runs[0][2], runs[1][2])


def test_clear_session_restarts_automatic_names():
    nnlab.layers.Conv2D(2, 3)
    clear_session()
    assert nnlab.layers.Conv2D(2, 3).name == "conv2d"
