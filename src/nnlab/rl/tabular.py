"""Tabular Q-learning and SARSA with epsilon-greedy exploration (Sutton & Barto ch. 6).

Q-learning (off-policy):  ``Q(s,a) <- Q(s,a) + alpha [r + gamma max_a' Q(s',a') - Q(s,a)]``
SARSA (on-policy):        ``Q(s,a) <- Q(s,a) + alpha [r + gamma Q(s',a') - Q(s,a)]``
with ``a'`` the action epsilon-greedy actually takes next. A terminal ``s'`` contributes
no bootstrap term; a time-limit truncation does.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, Optional

import numpy as np

from .agent import Agent, Callback
from .checks import check_gamma, discrete_actions, discrete_states


def linear_schedule(start: float, end: float, fraction: float):
    """``progress in [0, 1] -> value``: linear from ``start`` to ``end`` over the first
    ``fraction`` of training, then constant."""
    def value(progress: float) -> float:
        return start + min(1.0, progress / max(fraction, 1e-12)) * (end - start)
    return value


class QLearning(Agent):
    """Tabular Q-learning on a Discrete-observation, Discrete-action environment.

    Args:
        env: e.g. ``gymnasium.make("FrozenLake-v1")``.
        learning_rate: ``alpha`` (constant) or a schedule ``progress -> alpha``.
        gamma: discount in (0, 1].
        exploration: epsilon as a constant or a schedule ``progress -> epsilon``
            (default: 1.0 -> 0.01 over the first half).
        seed: seeds exploration and the environment.

    ``q_table``: ``(n_states, n_actions)``.
    """

    algorithm = "q_learning"
    on_policy = False

    def __init__(self, env: Any, learning_rate: Any = 0.1, gamma: float = 0.99,
                 exploration: Any = None, seed: Optional[int] = None, verbose: int = 1):
        super().__init__(env, seed, verbose)
        name = type(self).__name__
        self.n_states = discrete_states(env, name)
        self.n_actions = discrete_actions(env, name)
        self.gamma = check_gamma(gamma)
        self.alpha = learning_rate if callable(learning_rate) else (lambda p, a=learning_rate: a)
        if exploration is None:
            exploration = linear_schedule(1.0, 0.01, 0.5)
        self.epsilon = exploration if callable(exploration) else (lambda p, e=exploration: e)
        self.q_table = np.zeros((self.n_states, self.n_actions))
        self.successes: list = []

    def _obs_shape(self) -> tuple:
        return ()

    def predict(self, obs: Any, deterministic: bool = True):
        obs = np.asarray(obs, dtype=int)
        q = self.q_table[obs]
        if deterministic:
            action = q.argmax(axis=-1)
        else:
            action = self.rng.integers(self.n_actions, size=obs.shape)
        return (int(action) if obs.ndim == 0 else action), None

    def _choose(self, state: int, eps: float) -> int:
        if self.rng.random() < eps:
            return int(self.rng.integers(self.n_actions))
        q = self.q_table[state]
        return int(self.rng.choice(np.flatnonzero(q == q.max())))  # random tie-break

    def _target(self, reward: float, next_state: int, next_action: int, terminal: bool) -> float:
        if terminal:
            return reward
        if self.on_policy:
            return reward + self.gamma * self.q_table[next_state, next_action]
        return reward + self.gamma * self.q_table[next_state].max()

    def learn(self, episodes: int, callbacks: Iterable[Callback] = ()) -> "QLearning":
        """Play ``episodes`` episodes, updating the table after every step."""
        if not isinstance(episodes, int) or episodes < 1:
            raise ValueError(f"{type(self).__name__}.learn: episodes must be a positive int, "
                             f"got {episodes!r}")
        callbacks = list(callbacks)
        bar = self._progress(episodes, "episode")
        with self._timed():
            for ep in range(episodes):
                progress = ep / episodes
                eps, alpha = self.epsilon(progress), self.alpha(progress)
                state, _ = self.env.reset(seed=self.seed if ep == 0 else None)
                action = self._choose(state, eps)
                total = 0.0
                while True:
                    next_state, reward, terminated, truncated, _ = self.env.step(action)
                    self.num_timesteps += 1
                    next_action = self._choose(next_state, eps)
                    target = self._target(reward, next_state, next_action, terminated)
                    self.q_table[state, action] += alpha * (target - self.q_table[state, action])
                    total += reward
                    state, action = next_state, next_action
                    if terminated or truncated:
                        break
                self.successes.append(total > 0)
                keep = self._episode_end(total, callbacks)
                self._bar_update(bar)
                if not keep:
                    break
        self._learn_end(callbacks, bar)
        return self

    def _networks(self) -> Dict[str, Any]:
        import torch

        class _Table(torch.nn.Module):
            def __init__(self, table):
                super().__init__()
                self.register_buffer("q_table", torch.as_tensor(table))
        return {"table": _Table(self.q_table)}

    def _config(self) -> Dict[str, Any]:
        return {"gamma": self.gamma, "seed": self.seed}

    @classmethod
    def load(cls, path: str, env: Any, **overrides: Any) -> "QLearning":
        from safetensors.torch import load_file
        agent = cls(env, **overrides)
        (table,) = [v for k, v in load_file(path).items() if k.startswith("table.")]
        agent.q_table = table.double().numpy()
        return agent


class SARSA(QLearning):
    """Tabular SARSA: on-policy TD control (same arguments as :class:`QLearning`)."""

    algorithm = "sarsa"
    on_policy = True
