import numpy as np
import pytest
import torch

from nnlab.compress import prune_magnitude
from nnlab.compress.weight_sharing import (distinct_values, linear_kmeans, share_weights,
                                           strip_sharing)

from .conftest import mlp


def test_linear_kmeans_finds_known_clusters():
    rng = np.random.default_rng(0)
    true = np.array([-1.0, 0.2, 3.0])
    values = np.concatenate([c + 0.01 * rng.standard_normal(200) for c in true])
    centroids, labels = linear_kmeans(values, 4)
    used = np.sort(centroids[np.unique(labels)])
    assert len(used) <= 4
    for c in true:
        assert np.min(np.abs(used - c)) < 0.05


@pytest.mark.parametrize("bits", [2, 3])
def test_at_most_2_to_the_b_values_after_fine_tuning(digits, trained_mlp, bits):
    (x, y), (xt, yt) = digits
    m = trained_mlp
    prune_magnitude(m, 0.5)
    zero = m.layers[0].kernel.detach() == 0
    acc_before = m.evaluate(xt, yt, verbose=0)[1]
    info = share_weights(m, bits)
    assert all(v["centroids"] == 2 ** bits for v in info.values())
    c0 = m.layers[0].kernel_centroids.detach().clone()
    m.fit(x, y, epochs=2, batch_size=64, verbose=0)
    assert not torch.allclose(m.layers[0].kernel_centroids.detach(), c0)   # centroids trained
    for layer in m.layers:
        assert len(distinct_values(layer, "kernel")) <= 2 ** bits
    assert torch.all(m.layers[0].kernel.detach()[zero] == 0)               # pruning kept
    acc = m.evaluate(xt, yt, verbose=0)[1]
    assert acc > acc_before - 0.1 and acc > 0.8
    strip_sharing(m)
    assert len(distinct_values(m.layers[0], "kernel")) <= 2 ** bits
    assert m.evaluate(xt, yt, verbose=0)[1] == pytest.approx(acc)


def test_centroid_gradient_is_the_sum_over_its_cluster():
    m = mlp()
    m(torch.zeros(1, 64))
    share_weights(m, 2, layers=[m.layers[0]])
    layer = m.layers[0]
    x = torch.randn(5, 64)
    layer(x).sum().backward()
    # reference: gradient w.r.t. the dense weight, summed by cluster
    w = layer.kernel.detach().clone().requires_grad_(True)
    torch.nn.functional.relu(torch.nn.functional.linear(x, w, layer.bias)).sum().backward()
    idx = layer.kernel_indices
    want = torch.zeros(4).index_add_(0, idx.flatten(), w.grad.flatten())
    assert torch.allclose(layer.kernel_centroids.grad, want, atol=1e-5)


@pytest.mark.parametrize("bad", [0, -1, 17, 2.5, None])
def test_bad_bits_refused_model_unchanged(bad):
    m = mlp()
    m(torch.zeros(1, 64))
    before = {k: v.clone() for k, v in m.state_dict().items()}
    with pytest.raises(ValueError, match=r"bits must be an int in \[1, 16\]"):
        share_weights(m, bad)
    assert before.keys() == m.state_dict().keys()
    assert all(torch.equal(before[k], v) for k, v in m.state_dict().items())


def test_centroid_gradients_are_the_same_on_every_run():
    """Two identical backward passes give identical centroid gradients at any thread
    count (``centroids[indices]`` summed in a thread-dependent order: 7e-4 apart)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        torch.manual_seed(0)
        layer = torch.nn.Linear(400, 500)
        share_weights(layer, bits=5)
        x = torch.randn(8, 400)
        grads = []
        for _ in range(10):
            layer.zero_grad(set_to_none=True)
            layer(x).square().sum().backward()
            grads.append(layer.weight_centroids.grad.clone())
        assert all(torch.equal(g, grads[0]) for g in grads)
    finally:
        torch.set_num_threads(threads)
