"""REINFORCE (Williams 1992) with reward-to-go and a learned value baseline.

For each finished episode with states ``s_t``, actions ``a_t`` and rewards ``r_t``:

- reward-to-go ``G_t = sum_{k >= t} gamma^(k - t) r_k``;
- advantage ``A_t = G_t - b(s_t)`` with ``b`` a value network trained by MSE on ``G_t``
  (no baseline: ``A_t = G_t``);
- policy loss ``-(1/T) sum_t log pi(a_t | s_t) A_t - beta * H(pi(. | s_t))``, whose
  gradient is the policy-gradient estimate ``E[grad log pi(a|s) (G - b)]``.

The baseline leaves the estimate unbiased and lowers its variance;
:meth:`REINFORCE.gradient_variance` measures by how much.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, Optional

import numpy as np
import torch

from .agent import Agent, Callback
from .checks import box_shape, check_gamma, check_network, discrete_actions


def reward_to_go(rewards: torch.Tensor, gamma: float) -> torch.Tensor:
    """``G_t = r_t + gamma G_{t+1}`` for a ``(T,)`` reward vector, as a ``(T,)`` tensor."""
    out = torch.empty_like(rewards)
    running = 0.0
    for t in range(len(rewards) - 1, -1, -1):  # T is an episode length: a short scalar loop
        running = float(rewards[t]) + gamma * running
        out[t] = running
    return out


class REINFORCE(Agent):
    """Monte-Carlo policy gradient for Box observations and Discrete actions.

    Args:
        env: a Gymnasium environment.
        policy_network: ``nn.Module`` mapping ``(batch, *obs)`` to action logits
            ``(batch, n_actions)``.
        value_network: optional ``nn.Module`` mapping ``(batch, *obs)`` to ``(batch, 1)``:
            the learned baseline (``None``: plain REINFORCE).
        learning_rate / value_learning_rate: Adam learning rates.
        gamma: discount in (0, 1].
        entropy_coef: weight ``beta`` of the entropy bonus.
        normalize_advantages: standardise ``A_t`` within each episode.
        seed: seeds torch, sampling and the environment.
    """

    algorithm = "reinforce"

    def __init__(self, env: Any, policy_network: torch.nn.Module,
                 value_network: Optional[torch.nn.Module] = None, learning_rate: float = 1e-2,
                 value_learning_rate: float = 1e-2, gamma: float = 0.99,
                 entropy_coef: float = 0.0, normalize_advantages: bool = False,
                 seed: Optional[int] = None, verbose: int = 1):
        super().__init__(env, seed, verbose)
        name = "REINFORCE"
        self.n_actions = discrete_actions(env, name)
        obs_shape = box_shape(env, name)
        self.gamma = check_gamma(gamma)
        check_network(policy_network, obs_shape, self.n_actions, name, "policy_network")
        if value_network is not None:
            check_network(value_network, obs_shape, 1, name, "value_network")
        self.policy_network = policy_network
        self.value_network = value_network
        self.optimizer = torch.optim.Adam(policy_network.parameters(), lr=learning_rate)
        self.value_optimizer = None if value_network is None else torch.optim.Adam(
            value_network.parameters(), lr=value_learning_rate)
        self.hparams = dict(learning_rate=learning_rate, value_learning_rate=value_learning_rate,
                            gamma=gamma, entropy_coef=entropy_coef,
                            normalize_advantages=normalize_advantages, seed=seed)

    def _networks(self) -> Dict[str, torch.nn.Module]:
        nets = {"policy_network": self.policy_network}
        if self.value_network is not None:
            nets["value_network"] = self.value_network
        return nets

    def _config(self) -> Dict[str, Any]:
        return dict(self.hparams)

    def _dist(self, obs: torch.Tensor) -> torch.distributions.Categorical:
        return torch.distributions.Categorical(logits=self.policy_network(obs))

    def _act(self, obs: torch.Tensor, deterministic: bool) -> torch.Tensor:
        logits = self.policy_network(obs)
        if deterministic:
            return logits.argmax(dim=1)
        return torch.multinomial(torch.softmax(logits, dim=1), 1, generator=self.generator)[:, 0]

    def rollout(self, reset_seed: Optional[int] = None):
        """Play one episode with the stochastic policy: ``(obs (T, *obs), actions (T,),
        rewards (T,))`` tensors."""
        obs, _ = self.env.reset(seed=reset_seed)
        observations, actions, rewards = [], [], []
        while True:
            x = torch.as_tensor(obs, dtype=torch.float32)
            with torch.no_grad():
                probs = torch.softmax(self.policy_network(x[None]), dim=1)
            action = int(torch.multinomial(probs, 1, generator=self.generator))
            obs, reward, terminated, truncated, _ = self.env.step(action)
            observations.append(x)
            actions.append(action)
            rewards.append(float(reward))
            self.num_timesteps += 1
            if terminated or truncated:
                break
        return torch.stack(observations), torch.tensor(actions), torch.tensor(rewards)

    def _advantages(self, obs: torch.Tensor, returns: torch.Tensor,
                    use_baseline: bool = True) -> torch.Tensor:
        adv = returns
        if use_baseline and self.value_network is not None:
            with torch.no_grad():
                adv = returns - self.value_network(obs)[:, 0]
        if self.hparams["normalize_advantages"] and len(adv) > 1:
            adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        return adv

    def policy_loss(self, obs, actions, advantages) -> torch.Tensor:
        dist = self._dist(obs)
        loss = -(dist.log_prob(actions) * advantages).mean()
        if self.hparams["entropy_coef"]:
            loss = loss - self.hparams["entropy_coef"] * dist.entropy().mean()
        return loss

    def learn(self, total_steps: Optional[int] = None, episodes: Optional[int] = None,
              callbacks: Iterable[Callback] = ()) -> "REINFORCE":
        """Train on whole episodes until ``total_steps`` environment steps or ``episodes``
        episodes (give one of them)."""
        if (total_steps is None) == (episodes is None):
            raise ValueError("REINFORCE.learn: give exactly one of total_steps or episodes")
        limit = total_steps if total_steps is not None else episodes
        if not isinstance(limit, int) or limit < 1:
            raise ValueError(f"REINFORCE.learn: the budget must be a positive int, got {limit!r}")
        callbacks = list(callbacks)
        bar = self._progress(limit, "step" if total_steps else "episode")
        start_steps, done_episodes = self.num_timesteps, 0
        with self._timed():
            while True:
                seed = self.seed if done_episodes == 0 and not self.episode_returns else None
                obs, actions, rewards = self.rollout(seed)
                returns = reward_to_go(rewards, self.gamma)
                adv = self._advantages(obs, returns)
                loss = self.policy_loss(obs, actions, adv)
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                self.optimizer.step()
                if self.value_network is not None:
                    v_loss = torch.nn.functional.mse_loss(self.value_network(obs)[:, 0], returns)
                    self.value_optimizer.zero_grad(set_to_none=True)
                    v_loss.backward()
                    self.value_optimizer.step()
                done_episodes += 1
                keep = self._episode_end(float(rewards.sum()), callbacks)
                self._bar_update(bar, len(rewards) if total_steps else 1)
                used = self.num_timesteps - start_steps if total_steps else done_episodes
                if not keep or used >= limit:
                    break
        self._learn_end(callbacks, bar)
        return self

    def gradient_variance(self, episodes: int = 20) -> Dict[str, float]:
        """Total variance (sum over parameters) of single-episode policy-gradient
        estimates, with and without the baseline, on the same ``episodes`` rollouts."""
        grads = {"with_baseline": [], "without_baseline": []}
        params = list(self.policy_network.parameters())
        for _ in range(episodes):
            obs, actions, rewards = self.rollout()
            returns = reward_to_go(rewards, self.gamma)
            for key, use in (("with_baseline", True), ("without_baseline", False)):
                adv = self._advantages(obs, returns, use_baseline=use)
                g = torch.autograd.grad(self.policy_loss(obs, actions, adv), params)
                grads[key].append(torch.cat([t.flatten() for t in g]))
        return {k: float(torch.stack(v).var(dim=0).sum()) for k, v in grads.items()}


def mean_return(agent: Agent, window: int = 100) -> float:
    """Mean of the last ``window`` training-episode returns (nan before any episode)."""
    recent = agent.episode_returns[-window:]
    return float(np.mean(recent)) if recent else float("nan")
