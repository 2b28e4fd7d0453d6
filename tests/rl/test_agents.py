"""DQN, REINFORCE and tabular agents: mechanics, files and bad input (fast)."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab.layers import Dense
from nnlab.rl import DQN, REINFORCE, QLearning, SARSA, StopOnReward, evaluate_policy, \
    reward_to_go

gym = pytest.importorskip("gymnasium")


def mlp(out, hidden=16):
    return nnlab.Sequential([Dense(hidden, activation="relu", input_shape=(4,)), Dense(out)])


def test_target_network_changes_only_at_its_update_steps():
    env = gym.make("CartPole-v1")
    agent = DQN(env, mlp(2), learning_starts=8, batch_size=8, train_freq=4, gradient_steps=2,
                target_update_interval=30, seed=0, verbose=0)
    snapshots = []
    original = agent.update_target

    def spy():
        original()
        snapshots.append(agent.num_timesteps)
    agent.update_target = spy
    before = [p.clone() for p in agent.target_network.parameters()]
    agent.learn(29)
    assert not snapshots  # no update yet: the target is untouched although training ran
    assert len(agent.losses) > 0
    assert all(torch.equal(a, b) for a, b in zip(before, agent.target_network.parameters()))
    agent.learn(31)  # steps 30 and 60 of this call's local clock... one update at local 30
    assert snapshots == [59]
    assert all(torch.equal(t, s) for t, s in zip(agent.target_network.parameters(),
                                                 agent.q_network.parameters()))


def test_polyak_update_moves_target_by_tau():
    agent = DQN(gym.make("CartPole-v1"), mlp(2), tau=0.25, seed=0, verbose=0)
    with torch.no_grad():
        for p in agent.q_network.parameters():
            p.add_(1.0)
    old = [p.clone() for p in agent.target_network.parameters()]
    agent.update_target()
    for t, o, s in zip(agent.target_network.parameters(), old, agent.q_network.parameters()):
        torch.testing.assert_close(t, o + 0.25 * (s - o))


def test_dqn_save_load_gives_the_same_greedy_actions(tmp_path):
    env = gym.make("CartPole-v1")
    agent = DQN(env, mlp(2), learning_starts=16, batch_size=16, train_freq=8, gradient_steps=1,
                seed=1, verbose=0).learn(200)
    path = tmp_path / "dqn.safetensors"
    agent.save(str(path))
    loaded = DQN.load(str(path), env, mlp(2))
    obs = np.random.default_rng(0).normal(size=(64, 4)).astype(np.float32)
    np.testing.assert_array_equal(agent.predict(obs)[0], loaded.predict(obs)[0])
    assert loaded.hparams["train_freq"] == 8 and loaded.num_timesteps == 200
    with pytest.raises(ValueError, match="holds a 'dqn' agent, not 'reinforce'"):
        REINFORCE.load(str(path), env, mlp(2))


def test_reinforce_runs_and_baseline_lowers_gradient_variance():
    torch.manual_seed(0)
    env = gym.make("CartPole-v1")
    agent = REINFORCE(env, mlp(2), value_network=mlp(1), seed=0, verbose=0)
    agent.learn(episodes=30)
    assert len(agent.episode_returns) == 30
    var = agent.gradient_variance(episodes=12)
    assert var["with_baseline"] < var["without_baseline"]


def test_reward_to_go_known_answer():
    g = reward_to_go(torch.tensor([1.0, 1.0, 1.0]), 0.5)
    torch.testing.assert_close(g, torch.tensor([1.75, 1.5, 1.0]))


def test_stop_on_reward_ends_learning_early():
    env = gym.make("FrozenLake-v1", is_slippery=False)
    agent = QLearning(env, exploration=0.1, seed=0, verbose=0)
    agent.learn(5_000, callbacks=[StopOnReward(1.0, window=10)])
    assert len(agent.episode_returns) < 5_000
    assert np.mean(agent.episode_returns[-10:]) == 1.0


@pytest.mark.parametrize("cls", [QLearning, SARSA])
def test_tabular_agents_solve_deterministic_frozenlake(cls, tmp_path):
    env = gym.make("FrozenLake-v1", is_slippery=False)
    agent = cls(env, learning_rate=0.5, gamma=0.95, seed=0, verbose=0).learn(400)
    mean, _ = evaluate_policy(agent, env, n_episodes=5)
    assert mean == 1.0
    agent.save(str(tmp_path / "q.safetensors"))
    loaded = cls.load(str(tmp_path / "q.safetensors"), env)
    np.testing.assert_array_equal(loaded.q_table, agent.q_table)


def test_bad_inputs_are_refused_before_any_step():
    cartpole = gym.make("CartPole-v1")
    with pytest.raises(ValueError, match="Discrete action spaces only.*Box"):
        DQN(gym.make("Pendulum-v1"), mlp(1))
    with pytest.raises(ValueError, match=r"q_network does not accept observations of shape \(4,\)"):
        DQN(cartpole, nnlab.Sequential([Dense(2, input_shape=(3,))]))
    with pytest.raises(ValueError, match=r"must output \(batch, 2\) for 2 actions, got \(1, 3\)"):
        DQN(cartpole, mlp(3))
    with pytest.raises(ValueError, match=r"gamma must be in \(0, 1\], got 0"):
        DQN(cartpole, mlp(2), gamma=0)
    with pytest.raises(ValueError, match=r"buffer_size=32.*batch_size=64"):
        DQN(cartpole, mlp(2), buffer_size=32)
    with pytest.raises(TypeError, match="must be a Gymnasium environment.*has no reset"):
        DQN(object(), mlp(2))
    with pytest.raises(ValueError, match="tabular: it needs a Discrete observation space"):
        QLearning(cartpole)
    with pytest.raises(ValueError, match="exactly one of total_steps or episodes"):
        REINFORCE(cartpole, mlp(2)).learn()
    with pytest.raises(TypeError, match="policy_network must be a torch.nn.Module"):
        REINFORCE(cartpole, "mlp")


def test_eval_callback_evaluates_on_schedule_and_restores_the_best_weights():
    from nnlab.rl import EvalCallback
    env = gym.make("CartPole-v1")
    agent = DQN(env, mlp(2), learning_starts=32, batch_size=32, train_freq=16, gradient_steps=1,
                seed=0, verbose=0)
    cb = EvalCallback(gym.make("CartPole-v1"), eval_freq=100, n_eval_episodes=2)
    agent.learn(600, callbacks=[cb])
    assert len(cb.evaluations) >= 3
    assert all(b - a >= 100 for (a, _), (b, _) in zip(cb.evaluations, cb.evaluations[1:]))
    best = cb.best_state["q_network"]
    for key, value in agent.q_network.state_dict().items():
        assert torch.equal(value, best[key])
    assert cb.best_mean == max(m for _, m in cb.evaluations)
