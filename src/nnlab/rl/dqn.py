"""Deep Q-network (Mnih et al. 2015, "Human-level control through deep RL").

Off-policy TD learning of ``Q(s, a)`` with a network, made stable by

- **experience replay**: transitions go into a ring buffer; each gradient step uses a
  uniformly sampled minibatch, breaking the correlation of consecutive steps;
- a **target network** ``Q'``: the TD target ``y = r + gamma (1 - done) max_a' Q'(s', a')``
  uses a copy updated only every ``target_update_interval`` environment steps (hard copy
  for ``tau=1``, Polyak averaging ``Q' <- tau Q + (1 - tau) Q'`` otherwise);
- the **Huber loss** on ``Q(s, a) - y`` and gradient-norm clipping;
- **epsilon-greedy** exploration decaying linearly from ``exploration_initial_eps`` to
  ``exploration_final_eps`` over ``exploration_fraction`` of the run;
- optional **Double DQN** (van Hasselt et al. 2016): ``a' = argmax Q(s', .)`` chosen by
  the online network, evaluated by the target network.

Defaults are RL-Zoo's tuned CartPole-v1 settings for Stable-Baselines3's DQN.
"""
from __future__ import annotations

import copy
from typing import Any, Dict, Iterable, Optional

import torch
import torch.nn.functional as F

from .agent import Agent, Callback
from .checks import box_shape, check_gamma, check_network, discrete_actions
from .replay import ReplayBuffer


class DQN(Agent):
    """DQN agent for Box observations and Discrete actions.

    Args:
        env: a Gymnasium environment.
        q_network: any ``nn.Module`` (an nnlab model is one) mapping observations
            ``(batch, *obs_shape)`` to Q-values ``(batch, n_actions)``.
        learning_rate: Adam's learning rate.
        buffer_size: replay capacity; ``batch_size`` must not exceed it.
        learning_starts: environment steps of pure exploration before training.
        batch_size: transitions per gradient step.
        gamma: discount in (0, 1].
        train_freq: environment steps between training phases.
        gradient_steps: gradient steps per training phase.
        target_update_interval: environment steps between target updates.
        tau: 1.0 for a hard copy, < 1 for Polyak averaging.
        exploration_fraction / exploration_initial_eps / exploration_final_eps: the
            linear epsilon schedule.
        max_grad_norm: gradient clipping by global norm.
        double: Double DQN targets.
        seed: seeds torch, the replay sampling, exploration and the environment.

    Example:
        >>> agent = DQN(gymnasium.make("CartPole-v1"), q_net, seed=0)   # doctest: +SKIP
        >>> agent.learn(50_000)                                        # doctest: +SKIP
    """

    algorithm = "dqn"

    def __init__(self, env: Any, q_network: torch.nn.Module, learning_rate: float = 2.3e-3,
                 buffer_size: int = 100_000, learning_starts: int = 1_000, batch_size: int = 64,
                 gamma: float = 0.99, train_freq: int = 256, gradient_steps: int = 128,
                 target_update_interval: int = 10, tau: float = 1.0,
                 exploration_fraction: float = 0.16, exploration_initial_eps: float = 1.0,
                 exploration_final_eps: float = 0.04, max_grad_norm: float = 10.0,
                 double: bool = False, seed: Optional[int] = None, verbose: int = 1):
        super().__init__(env, seed, verbose)
        name = "DQN"
        self.n_actions = discrete_actions(env, name)
        obs_shape = box_shape(env, name)
        self.gamma = check_gamma(gamma)
        for arg, value in (("batch_size", batch_size), ("buffer_size", buffer_size),
                           ("train_freq", train_freq), ("gradient_steps", gradient_steps),
                           ("target_update_interval", target_update_interval)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"DQN: {arg} must be a positive int, got {value!r}")
        if batch_size > buffer_size:
            raise ValueError(f"DQN: the replay buffer (buffer_size={buffer_size}) must hold at "
                             f"least one batch (batch_size={batch_size})")
        if not 0.0 < tau <= 1.0:
            raise ValueError(f"DQN: tau must be in (0, 1], got {tau!r}")
        check_network(q_network, obs_shape, self.n_actions, name, "q_network")
        self.q_network = q_network
        self.target_network = copy.deepcopy(q_network)
        self.target_network.requires_grad_(False)
        self.optimizer = torch.optim.Adam(q_network.parameters(), lr=learning_rate)
        self.buffer = ReplayBuffer(buffer_size, obs_shape, generator=self.generator)
        self.hparams = dict(learning_rate=learning_rate, buffer_size=buffer_size,
                            learning_starts=learning_starts, batch_size=batch_size, gamma=gamma,
                            train_freq=train_freq, gradient_steps=gradient_steps,
                            target_update_interval=target_update_interval, tau=tau,
                            exploration_fraction=exploration_fraction,
                            exploration_initial_eps=exploration_initial_eps,
                            exploration_final_eps=exploration_final_eps,
                            max_grad_norm=max_grad_norm, double=double, seed=seed)
        self.losses: list = []
        self.target_updates = 0

    def _networks(self) -> Dict[str, torch.nn.Module]:
        return {"q_network": self.q_network, "target_network": self.target_network}

    def _config(self) -> Dict[str, Any]:
        return dict(self.hparams)

    def _act(self, obs: torch.Tensor, deterministic: bool) -> torch.Tensor:
        greedy = self.q_network(obs).argmax(dim=1)
        if deterministic:
            return greedy
        eps = self.exploration_rate
        explore = torch.rand(len(obs), generator=self.generator) < eps
        random = torch.randint(0, self.n_actions, (len(obs),), generator=self.generator)
        return torch.where(explore, random, greedy)

    def epsilon_at(self, step: int, total: int) -> float:
        """The linear schedule: initial -> final over ``exploration_fraction * total`` steps."""
        h = self.hparams
        progress = min(1.0, step / max(1.0, h["exploration_fraction"] * total))
        return h["exploration_initial_eps"] + progress * (
            h["exploration_final_eps"] - h["exploration_initial_eps"])

    def train_step(self) -> torch.Tensor:
        """One gradient step on a replay minibatch; returns the (detached) Huber loss."""
        h = self.hparams
        obs, action, reward, next_obs, done = self.buffer.sample(h["batch_size"])
        with torch.no_grad():
            next_q = self.target_network(next_obs)
            if h["double"]:
                best = self.q_network(next_obs).argmax(dim=1, keepdim=True)
                next_value = next_q.gather(1, best).squeeze(1)
            else:
                next_value = next_q.max(dim=1).values
            target = reward + self.gamma * (1.0 - done) * next_value
        q = self.q_network(obs).gather(1, action[:, None]).squeeze(1)
        loss = F.smooth_l1_loss(q, target)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.q_network.parameters(), h["max_grad_norm"])
        self.optimizer.step()
        return loss.detach()

    def update_target(self) -> None:
        tau = self.hparams["tau"]
        with torch.no_grad():
            for t, s in zip(self.target_network.parameters(), self.q_network.parameters()):
                if tau == 1.0:
                    t.copy_(s)
                else:
                    t.lerp_(s, tau)
            for t, s in zip(self.target_network.buffers(), self.q_network.buffers()):
                t.copy_(s)
        self.target_updates += 1

    def learn(self, total_steps: int, callbacks: Iterable[Callback] = ()) -> "DQN":
        """Interact for ``total_steps`` environment steps, training as configured.

        ``callbacks`` are called with the agent at each episode end; one returning
        ``False`` stops learning (see :class:`StopOnReward`).
        """
        if not isinstance(total_steps, int) or total_steps < 1:
            raise ValueError(f"DQN.learn: total_steps must be a positive int, got {total_steps!r}")
        h = self.hparams
        callbacks = list(callbacks)
        bar = self._progress(total_steps, "step")
        obs, _ = self.env.reset(seed=self.seed)
        episode_return = 0.0
        start = self.num_timesteps
        with self._timed():
            for local in range(1, total_steps + 1):
                self.num_timesteps += 1
                self.exploration_rate = self.epsilon_at(local, total_steps)
                if self.rng.random() < self.exploration_rate:
                    action = int(self.rng.integers(self.n_actions))
                else:
                    with torch.no_grad():
                        q = self.q_network(torch.as_tensor(obs, dtype=torch.float32)[None])
                    action = int(q.argmax())
                next_obs, reward, terminated, truncated, _ = self.env.step(action)
                # a time-limit truncation is not a terminal state: keep bootstrapping
                self.buffer.add(obs, action, reward, next_obs, terminated)
                episode_return += reward
                obs = next_obs
                stop = False
                if terminated or truncated:
                    stop = not self._episode_end(episode_return, callbacks)
                    episode_return = 0.0
                    obs, _ = self.env.reset()
                if local > h["learning_starts"] and local % h["train_freq"] == 0:
                    for _ in range(h["gradient_steps"]):
                        self.losses.append(self.train_step())
                if local % h["target_update_interval"] == 0:
                    self.update_target()
                self._bar_update(bar)
                if stop:
                    break
        self._learn_end(callbacks, bar)
        self.steps_learned = self.num_timesteps - start
        return self
