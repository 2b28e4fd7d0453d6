"""Weights derived by a hook (pruning, sharing, ternary) leave a model deep-copyable after
training, regularisers still reach the parameters they come from, and quantize_int8 says
what to do with a re-parametrised model (issue 26)."""
import copy

import numpy as np
import pytest
import torch

from nnlab.compress import prune_magnitude, quantize_int8, share_weights, strip_sharing, ternarize
from nnlab.layers import Dense
from nnlab.models import Sequential


def _mlp():
    torch.manual_seed(0)
    m = Sequential([Dense(8, activation="relu", input_shape=(6,), kernel_regularizer="l2"),
                    Dense(3)])
    m.compile("adam", "sparse_categorical_crossentropy")
    return m


X = np.random.default_rng(0).random((16, 6), dtype=np.float32)
Y = np.arange(16) % 3


@pytest.mark.parametrize("technique", [lambda m: prune_magnitude(m, 0.5),
                                       lambda m: share_weights(m, 2), ternarize],
                         ids=["pruning", "sharing", "ternary"])
def test_trained_model_deep_copies_and_the_regulariser_keeps_its_gradient(technique):
    m = _mlp()
    technique(m)
    m.fit(X, Y, epochs=1, batch_size=4, verbose=0)
    twin = copy.deepcopy(m)                          # refused before: a graph tensor
    np.testing.assert_array_equal(twin.predict(X, verbose=0), m.predict(X, verbose=0))
    layer = m.layers[0]
    sources = [p for n, p in layer.named_parameters() if n.startswith("kernel")]
    grads = torch.autograd.grad(m.regularization_loss(), sources, allow_unused=True)
    assert all(g is not None and g.abs().sum() > 0 for g in grads)


def test_quantize_int8_names_the_reparametrisation_and_works_after_strip():
    m = _mlp()
    share_weights(m, 2)
    with pytest.raises(ValueError, match=r"quantize_int8: weight '.*kernel' .* is "
                                         r"re-parametrised by nnlab.compress.share_weights.*"
                                         r"strip_sharing"):
        quantize_int8(m)
    strip_sharing(m)
    q = quantize_int8(m)
    assert np.abs(q.predict(X, verbose=0) - m.predict(X, verbose=0)).max() < 0.05
