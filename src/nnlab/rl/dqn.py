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

Speed (each trick says in a comment what it saves): Adam with nnlab's optimizer kernel
(fused by default; ``nnlab.config.set_optimizer_kernel("foreach")`` is bit-identical to
torch's default per-tensor loop), the
minibatches of a training phase drawn and gathered at once, gradient clipping and target
updates as multi-tensor (``foreach``) kernels, acting through a preallocated input under
``inference_mode`` without a forward when exploring (``benchmarks/rl_vs_sb3.py``).
"""
from __future__ import annotations

import copy
from typing import Any, Dict, Iterable, Optional

import torch
import torch.nn.functional as F

from ..optimizers.kernels import build_with_kernel
from .agent import Agent, Callback
from .checks import box_shape, check_gamma, check_network, discrete_actions
from .replay import ReplayBuffer


def clip_grad_norm(params: list, max_norm: float) -> None:
    """Scale the gradients of ``params`` in place so their global L2 norm is at most
    ``max_norm``: ``g <- g * min(1, max_norm / (||g||_2 + 1e-6))``.

    The arithmetic of ``torch.nn.utils.clip_grad_norm_`` (same kernels, same order), without
    its per-call grouping by device and dtype and argument checks: ~75 us instead of ~150 us
    for the six tensors of a 256x256 MLP, 25,000 times in a 50k-step CartPole run.
    """
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    total = torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))
    torch._foreach_mul_(grads, torch.clamp(max_norm / (total + 1e-6), max=1.0))


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
        # Adam with nnlab's optimizer kernel, as every nnlab optimizer (nnlab.config:
        # torch's fused kernel by default, about 3x faster per step than the per-tensor
        # loop SB3 runs; set_optimizer_kernel("foreach") gives the multi-tensor kernel,
        # bit-identical to that loop). The kernels round differently (1 ulp), and DQN on
        # CartPole turns 1 ulp into another trajectory, as it does a CPU's last bits
        # (docs/rl.md): the outcome per seed depends on the kernel, the recipe does not.
        self.optimizer = build_with_kernel(torch.optim.Adam, list(q_network.parameters()),
                                           {"lr": learning_rate})
        self.buffer = ReplayBuffer(buffer_size, obs_shape, generator=self.generator)
        self._params = list(q_network.parameters())
        self._state_pairs = None  # (target tensors, online tensors), built on first update
        # one observation row for acting, written in place through its numpy view
        self._obs_row = torch.zeros((1,) + tuple(obs_shape))
        self._obs_row_np = self._obs_row.numpy()
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
        return self.train_phase(1)[0]

    def train_phase(self, gradient_steps: int) -> list:
        """``gradient_steps`` gradient steps, each on its own uniform replay minibatch;
        returns their (detached, 0-d) Huber losses. The minibatches are drawn and gathered
        in one call (``ReplayBuffer.sample_many``): the buffer is fixed during a phase."""
        h = self.hparams
        batches = self.buffer.sample_many(gradient_steps, h["batch_size"])
        return [self._gradient_step(*(field[i] for field in batches))
                for i in range(gradient_steps)]

    def _gradient_step(self, obs: torch.Tensor, action: torch.Tensor, reward: torch.Tensor,
                       next_obs: torch.Tensor, done: torch.Tensor) -> torch.Tensor:
        """Huber loss of ``Q(obs, action)`` against the TD target, one clipped Adam step.
        Shapes: obs/next_obs ``(batch, *obs_shape)``, action ``(batch,)`` int64, reward and
        done ``(batch,)`` float32."""
        h = self.hparams
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
        for p in self._params:  # zero_grad(set_to_none=True) without its wrapper (~14 us)
            p.grad = None
        loss.backward()
        clip_grad_norm(self._params, h["max_grad_norm"])
        self.optimizer.step()
        return loss.detach()

    def update_target(self) -> None:
        """Target <- online (``tau=1``) or Polyak ``target <- target + tau (online -
        target)``; buffers (e.g. BatchNorm statistics) are copied."""
        tau = self.hparams["tau"]
        if self._state_pairs is None:
            self._state_pairs = tuple(
                (list(getattr(self.target_network, kind)()), list(getattr(self.q_network, kind)()))
                for kind in ("parameters", "buffers"))
        (targets, sources), (target_bufs, source_bufs) = self._state_pairs
        with torch.no_grad():
            # one multi-tensor kernel for all tensors (5,000 updates in a 50k-step run)
            if tau == 1.0:
                torch._foreach_copy_(targets, sources)
            else:
                torch._foreach_lerp_(targets, sources, tau)
            if target_bufs:
                torch._foreach_copy_(target_bufs, source_bufs)
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
                if self.rng.random() < self.exploration_rate:  # no forward when exploring
                    action = int(self.rng.integers(self.n_actions))
                else:
                    # the observation goes into a preallocated row (no tensor built per
                    # step); inference_mode skips autograd's version counting and views
                    self._obs_row_np[0] = obs
                    with torch.inference_mode():
                        action = int(self.q_network(self._obs_row).argmax())
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
                    self.losses.extend(self.train_phase(h["gradient_steps"]))
                if local % h["target_update_interval"] == 0:
                    self.update_target()
                self._bar_update(bar)
                if stop:
                    break
        self._learn_end(callbacks, bar)
        self.steps_learned = self.num_timesteps - start
        return self
