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


def _short_run(kernel):
    """DQN's weights after 300 environment steps (72 gradient steps) with ``kernel``."""
    gym = pytest.importorskip("gymnasium")
    import nnlab
    from nnlab import config
    from nnlab.layers import Dense
    from nnlab.rl import DQN
    previous = config.optimizer_kernel()
    config.set_optimizer_kernel(kernel)
    try:
        nnlab.set_seed(0)
        q = nnlab.Sequential([Dense(16, activation="relu", input_shape=(4,)), Dense(2)])
        agent = DQN(gym.make("CartPole-v1"), q, learning_starts=30, batch_size=16,
                    train_freq=15, gradient_steps=4, seed=0, verbose=0)
        agent.learn(300)
    finally:
        config.set_optimizer_kernel(previous)
    return agent.optimizer, [p.detach().clone() for p in agent.q_network.parameters()]


def test_dqn_adam_follows_nnlabs_optimizer_kernel():
    """fused by default (as every nnlab optimizer), foreach on request; same update rule:
    the two runs' weights agree to float rounding over 72 Adam steps."""
    fused, w_fused = _short_run("auto")
    foreach, w_foreach = _short_run("foreach")
    assert fused.nnlab_kernel == "fused" and fused.defaults["fused"]
    assert foreach.nnlab_kernel == "foreach" and foreach.defaults["foreach"]
    for a, b in zip(w_fused, w_foreach):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
