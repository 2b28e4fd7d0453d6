"""DQN's speed helpers compute exactly what the plain torch calls compute."""
import pytest
import torch

from nnlab.rl.dqn import clip_grad_norm


@pytest.mark.parametrize("scale", [1e-3, 1e3])
def test_clip_grad_norm_is_bit_identical_to_torch(scale):
    gen = torch.Generator().manual_seed(0)
    shapes = [(16, 4), (16,), (16, 16), (2, 16), (2,)]
    ours = [torch.nn.Parameter(torch.zeros(s)) for s in shapes]
    theirs = [torch.nn.Parameter(torch.zeros(s)) for s in shapes]
    for p, q in zip(ours, theirs):
        p.grad = torch.randn(p.shape, generator=gen) * scale
        q.grad = p.grad.clone()
    clip_grad_norm(ours, 10.0)
    torch.nn.utils.clip_grad_norm_(theirs, 10.0)
    assert all(torch.equal(p.grad, q.grad) for p, q in zip(ours, theirs))
    norm = torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in ours]))
    assert norm <= 10.0 + 1e-4 if scale > 1 else norm < 1.0


def test_clip_grad_norm_skips_parameters_without_gradient():
    p, q = torch.nn.Parameter(torch.zeros(3)), torch.nn.Parameter(torch.zeros(2))
    p.grad = torch.full((3,), 100.0)
    clip_grad_norm([p, q], 1.0)
    assert q.grad is None
    torch.testing.assert_close(torch.linalg.vector_norm(p.grad), torch.tensor(1.0))
