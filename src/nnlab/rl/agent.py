"""What every nnlab RL agent shares (Stable-Baselines3's contract).

``Agent(env, network, ...).learn(total_steps)``, ``predict(obs, deterministic=True)``,
``save(path)`` / ``Class.load(path, env, network)``; episode returns are recorded in
``agent.episode_returns`` with the environment step at which each episode ended in
``agent.episode_steps`` (for learning curves).
"""
from __future__ import annotations

import json
import time
from typing import Any, Callable, Dict, Iterable, List, Optional

import numpy as np
import torch

from .checks import check_env

Callback = Callable[["Agent"], Optional[bool]]


class StopOnReward:
    """Callback: stop learning once the mean return of the last ``window`` episodes
    reaches ``threshold`` (called at each episode end)."""

    def __init__(self, threshold: float, window: int = 20):
        self.threshold = float(threshold)
        self.window = int(window)

    def __call__(self, agent: "Agent") -> bool:
        recent = agent.episode_returns[-self.window:]
        return not (len(recent) >= self.window and np.mean(recent) >= self.threshold)


class EvalCallback:
    """Callback: every ``eval_freq`` environment steps (checked at episode ends) play
    ``n_eval_episodes`` deterministic episodes on ``eval_env``; with ``keep_best`` the
    agent's networks are set back to the best-scoring weights when learning ends
    (Stable-Baselines3's EvalCallback with ``best_model_save_path``, kept in memory).

    ``evaluations``: list of ``(num_timesteps, mean_return)``.
    """

    def __init__(self, eval_env: Any, eval_freq: int = 5_000, n_eval_episodes: int = 10,
                 keep_best: bool = True, seed: int = 123):
        if not isinstance(eval_freq, int) or eval_freq < 1:
            raise ValueError(f"EvalCallback: eval_freq must be a positive int, got {eval_freq!r}")
        self.eval_env = eval_env
        self.eval_freq = eval_freq
        self.n_eval_episodes = n_eval_episodes
        self.keep_best = keep_best
        self.seed = seed
        self.evaluations: List[tuple] = []
        self.best_mean = -float("inf")
        self.best_state: Optional[dict] = None
        self._last = 0

    def __call__(self, agent: "Agent") -> bool:
        if agent.num_timesteps - self._last < self.eval_freq:
            return True
        self._last = agent.num_timesteps
        from .evaluation import evaluate_policy
        mean, _ = evaluate_policy(agent, self.eval_env, self.n_eval_episodes, seed=self.seed)
        self.evaluations.append((agent.num_timesteps, mean))
        if mean > self.best_mean:
            self.best_mean = mean
            self.best_state = {name: {k: v.clone() for k, v in net.state_dict().items()}
                               for name, net in agent._networks().items()}
        return True

    def on_learn_end(self, agent: "Agent") -> None:
        if self.keep_best and self.best_state is not None:
            for name, net in agent._networks().items():
                net.load_state_dict(self.best_state[name])


class Agent:
    """Base class: environment checks, seeding, episode bookkeeping, progress, save/load.

    Subclasses define ``_networks()`` (name -> module saved in files), ``_config()``
    (JSON-able constructor arguments), ``_act(obs_tensor, deterministic)`` and ``learn``.
    """

    algorithm = "agent"

    def __init__(self, env: Any, seed: Optional[int] = None, verbose: int = 1):
        check_env(env, type(self).__name__)
        self.env = env
        self.seed = seed
        self.verbose = verbose
        self.generator = torch.Generator()
        self.rng = np.random.default_rng(seed)
        if seed is not None:
            self.generator.manual_seed(seed)
            torch.manual_seed(seed)
        self.num_timesteps = 0
        self.episode_returns: List[float] = []
        self.episode_steps: List[int] = []
        self.train_time = 0.0

    # ---- acting -----------------------------------------------------------------------
    def predict(self, obs: Any, deterministic: bool = True):
        """Action(s) for one observation or a batch: returns ``(action, None)`` as SB3 does."""
        x = torch.as_tensor(np.asarray(obs), dtype=torch.float32)
        single = x.dim() == len(self._obs_shape())
        if single:
            x = x[None]
        with torch.no_grad():
            actions = self._act(x, deterministic)
        actions = actions.cpu().numpy()
        return (int(actions[0]) if single else actions), None

    def _obs_shape(self) -> tuple:
        return tuple(self.env.observation_space.shape)

    # ---- bookkeeping ------------------------------------------------------------------
    def _episode_end(self, episode_return: float, callbacks: Iterable[Callback]) -> bool:
        """Record an episode; returns False when a callback asks to stop."""
        self.episode_returns.append(float(episode_return))
        self.episode_steps.append(self.num_timesteps)
        keep_going = True
        for cb in callbacks:
            if cb(self) is False:
                keep_going = False
        return keep_going

    def _learn_end(self, callbacks: Iterable[Callback], bar: Any) -> None:
        if bar is not None:
            bar.close()
        for cb in callbacks:
            end = getattr(cb, "on_learn_end", None)
            if end is not None:
                end(self)

    def _progress(self, total: int, unit: str):
        if not self.verbose:
            return None
        from tqdm.auto import tqdm
        return tqdm(total=total, unit=unit, desc=type(self).__name__, mininterval=0.5)

    def _bar_update(self, bar, n: int = 1) -> None:
        if bar is not None:
            bar.update(n)
            if self.episode_returns and bar.n % 500 < n:
                bar.set_postfix(ret=f"{np.mean(self.episode_returns[-20:]):.1f}",
                                refresh=False)

    def _timed(self):
        agent = self

        class _Clock:
            def __enter__(self):
                self.start = time.perf_counter()

            def __exit__(self, *exc):
                agent.train_time += time.perf_counter() - self.start
        return _Clock()

    # ---- files ------------------------------------------------------------------------
    def _networks(self) -> Dict[str, torch.nn.Module]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _config(self) -> Dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def save(self, path: str) -> None:
        """Write the networks' weights (safetensors) with the config as JSON metadata,
        atomically."""
        from safetensors.torch import save_file

        from ..utils.io import atomic_write
        # keys carry the position: nnlab layer names have per-process counters
        # (dense_4 here may be dense_6 in the loading process), so load maps by order
        tensors = {f"{name}.{i:05d}.{key}": value.detach().contiguous().clone()
                   for name, net in self._networks().items()
                   for i, (key, value) in enumerate(net.state_dict().items())}
        meta = {"algorithm": self.algorithm, "config": json.dumps(self._config()),
                "num_timesteps": str(self.num_timesteps)}
        atomic_write(path, lambda tmp: save_file(tensors, tmp, metadata=meta))

    @classmethod
    def load(cls, path: str, env: Any, *networks: torch.nn.Module, **overrides: Any) -> "Agent":
        """Rebuild an agent from ``save``'s file: same config, given env and networks of
        the same architecture, weights loaded from the file."""
        from safetensors import safe_open
        with safe_open(path, framework="pt") as f:
            meta = f.metadata() or {}
            if meta.get("algorithm") != cls.algorithm:
                raise ValueError(f"{cls.__name__}.load: {path!r} holds a "
                                 f"{meta.get('algorithm')!r} agent, not {cls.algorithm!r}")
            tensors = {k: f.get_tensor(k) for k in f.keys()}
        config = json.loads(meta["config"])
        config.update(overrides)
        agent = cls(env, *networks, **config)
        for name, net in agent._networks().items():
            saved = sorted((k, v) for k, v in tensors.items() if k.startswith(name + "."))
            own = net.state_dict()
            if len(saved) != len(own):
                raise ValueError(f"{cls.__name__}.load: {name} in {path!r} has {len(saved)} "
                                 f"tensors, the network given has {len(own)}")
            for (key, target), (saved_key, value) in zip(own.items(), saved):
                if tuple(value.shape) != tuple(target.shape):
                    raise ValueError(f"{cls.__name__}.load: {name} tensor {key} has shape "
                                     f"{tuple(target.shape)}, the file's "
                                     f"{saved_key.split('.', 2)[2]} has {tuple(value.shape)}")
            net.load_state_dict({key: value for key, (_, value) in zip(own, saved)})
        agent.num_timesteps = int(meta.get("num_timesteps", 0))
        return agent

    def _act(self, obs: torch.Tensor, deterministic: bool) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError
