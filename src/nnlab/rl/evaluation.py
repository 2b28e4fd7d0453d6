"""Evaluating agents and drawing what they learned (PNG files, nothing opens a window)."""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

import numpy as np


def evaluate_policy(model: Any, env: Any, n_episodes: int = 10, deterministic: bool = True,
                    seed: Optional[int] = None) -> Tuple[float, float]:
    """Play ``n_episodes`` with ``model.predict``; returns (mean, std) of the returns.

    ``model`` is any object with SB3's ``predict(obs, deterministic) -> (action, state)``.
    """
    if not isinstance(n_episodes, int) or n_episodes < 1:
        raise ValueError(f"evaluate_policy: n_episodes must be a positive int, got {n_episodes!r}")
    returns = []
    for ep in range(n_episodes):
        obs, _ = env.reset(seed=None if seed is None else seed + ep)
        total = 0.0
        while True:
            action, _ = model.predict(obs, deterministic=deterministic)
            obs, reward, terminated, truncated, _ = env.step(action)
            total += float(reward)
            if terminated or truncated:
                break
        returns.append(total)
    return float(np.mean(returns)), float(np.std(returns))


def success_rate(policy: np.ndarray, env: Any, n_episodes: int = 10_000,
                 seed: int = 0) -> float:
    """Fraction of episodes with a positive return when following a tabular ``policy``
    ``(n_states,)`` (FrozenLake: reaching the goal)."""
    wins = 0
    obs, _ = env.reset(seed=seed)
    for _ in range(n_episodes):
        total = 0.0
        while True:
            obs, reward, terminated, truncated, _ = env.step(int(policy[obs]))
            total += reward
            if terminated or truncated:
                break
        wins += total > 0
        obs, _ = env.reset()
    return wins / n_episodes


def rolling_mean(values: Sequence[float], window: int) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if len(v) == 0:
        return v
    c = np.cumsum(np.insert(v, 0, 0.0))
    out = np.empty(len(v))
    for_full = (c[window:] - c[:-window]) / window
    out[window - 1:] = for_full
    out[:window - 1] = c[1:window] / np.arange(1, min(window, len(v) + 1))[:window - 1]
    return out


def plot_learning_curve(agents: dict, path: str, window: int = 20,
                        title: str = "learning curve") -> None:
    """Return vs environment steps (faint) with a rolling mean, one line per agent.

    ``agents``: label -> agent (anything with ``episode_returns`` and ``episode_steps``).
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..utils.io import atomic_write
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for label, agent in agents.items():
        steps, rets = agent.episode_steps, agent.episode_returns
        line, = ax.plot(steps, rets, alpha=0.25, linewidth=0.8)
        ax.plot(steps, rolling_mean(rets, window), color=line.get_color(),
                label=f"{label} (rolling mean of {window})")
    ax.set_xlabel("environment steps")
    ax.set_ylabel("episode return")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=90))
    plt.close(fig)


_ARROWS = {0: "\u2190", 1: "\u2193", 2: "\u2192", 3: "\u2191"}  # FrozenLake: L, D, R, U


def plot_frozenlake_policy(policy: np.ndarray, env: Any, path: str,
                           values: Optional[np.ndarray] = None) -> None:
    """The FrozenLake map with the policy's arrow in each frozen cell (and V as shading)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..utils.io import atomic_write
    desc = np.asarray(env.unwrapped.desc).astype(str)
    rows, cols = desc.shape
    fig, ax = plt.subplots(figsize=(cols * 0.7 + 1, rows * 0.7))
    shade = np.zeros((rows, cols)) if values is None else np.asarray(values).reshape(rows, cols)
    ax.imshow(shade, cmap="Blues", vmin=0, vmax=max(1e-9, shade.max()))
    for s in range(rows * cols):
        r, c = divmod(s, cols)
        cell = desc[r, c]
        text = cell if cell in "HGS" and cell != "S" else _ARROWS[int(policy[s])]
        ax.text(c, r, text, ha="center", va="center", fontsize=14,
                color="crimson" if cell == "H" else "black")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("greedy policy (H hole, G goal)", fontsize=9)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=90))
    plt.close(fig)
