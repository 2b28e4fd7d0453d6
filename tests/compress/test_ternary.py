import pytest
import torch

from nnlab.compress.ternary import _Ternary, ternarize, weight_levels

from .conftest import mlp


@pytest.mark.parametrize("binary", [False, True])
def test_three_or_two_levels_after_training(digits, trained_mlp, binary):
    (x, y), (xt, yt) = digits
    m = trained_mlp
    ternarize(m, binary=binary)
    scale_name = "kernel_scale" if binary else "kernel_wp"
    s0 = getattr(m.layers[0], scale_name).detach().clone()
    m.fit(x, y, epochs=3, batch_size=64, verbose=0)
    assert not torch.equal(getattr(m.layers[0], scale_name).detach(), s0)   # scales train
    for layer in m.layers:
        levels = weight_levels(layer)
        assert len(levels) <= (2 if binary else 3)
        if not binary:
            assert 0.0 in levels
    assert m.evaluate(xt, yt, verbose=0)[1] > 0.8


def test_ternary_gradients_follow_the_paper():
    latent = torch.tensor([0.9, -0.8, 0.01, -0.02, 0.5], requires_grad=True)
    wp = torch.tensor([2.0], requires_grad=True)
    wn = torch.tensor([3.0], requires_grad=True)
    out = _Ternary.apply(latent, wp, wn, 0.1)               # t = 0.09
    assert out.tolist() == [2.0, -3.0, 0.0, 0.0, 2.0]
    g = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
    out.backward(g)
    assert wp.grad.item() == 6.0 and wn.grad.item() == -2.0
    assert latent.grad.tolist() == [2.0, 6.0, 3.0, 4.0, 10.0]


def test_bad_threshold_leaves_model_unchanged():
    m = mlp()
    m(torch.zeros(1, 64))
    keys = set(m.state_dict())
    with pytest.raises(ValueError, match=r"threshold must be a number in \[0, 1\)"):
        ternarize(m, threshold=1.0)
    assert set(m.state_dict()) == keys
