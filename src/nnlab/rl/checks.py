"""Checks every agent runs on its environment and network before the first step."""
from __future__ import annotations

from typing import Any, Tuple

import torch


def check_env(env: Any, who: str) -> None:
    """A Gymnasium environment (``reset``/``step`` and both spaces), else TypeError."""
    missing = [n for n in ("reset", "step", "observation_space", "action_space")
               if not hasattr(env, n)]
    if missing:
        raise TypeError(f"{who}: env must be a Gymnasium environment (gymnasium.make(...)); "
                        f"{type(env).__name__} has no {', '.join(missing)}")


def discrete_actions(env: Any, who: str) -> int:
    """The number of actions of a ``Discrete`` action space, else a clear error."""
    space = env.action_space
    n = getattr(space, "n", None)
    if type(space).__name__ != "Discrete" or n is None:
        raise ValueError(f"{who} supports Discrete action spaces only; this environment's "
                         f"action space is {space}. For continuous actions use an algorithm "
                         "for Box spaces (not in nnlab.rl).")
    return int(n)


def discrete_states(env: Any, who: str) -> int:
    space = env.observation_space
    if type(space).__name__ != "Discrete":
        raise ValueError(f"{who} is tabular: it needs a Discrete observation space "
                         f"(FrozenLake, Taxi, CliffWalking), got {space}")
    return int(space.n)


def box_shape(env: Any, who: str) -> Tuple[int, ...]:
    space = env.observation_space
    shape = getattr(space, "shape", None)
    if type(space).__name__ != "Box" or not shape:
        raise ValueError(f"{who} needs a Box observation space (vectors such as CartPole's), "
                         f"got {space}")
    return tuple(shape)


def check_network(network: torch.nn.Module, obs_shape: Tuple[int, ...], n_out: int,
                  who: str, what: str) -> None:
    """Run the network once on a zero observation: it must map (1, *obs) -> (1, n_out)."""
    if not isinstance(network, torch.nn.Module):
        raise TypeError(f"{who}: {what} must be a torch.nn.Module (an nnlab model is one), "
                        f"got {type(network).__name__}")
    x = torch.zeros((1,) + tuple(obs_shape))
    try:
        with torch.no_grad():
            out = network(x)
    except Exception as exc:
        raise ValueError(f"{who}: {what} does not accept observations of shape "
                         f"{tuple(obs_shape)} (batch (1, {', '.join(map(str, obs_shape))})): "
                         f"{exc}") from exc
    if tuple(out.shape) != (1, n_out):
        raise ValueError(f"{who}: {what} must output (batch, {n_out}) for {n_out} actions, "
                         f"got {tuple(out.shape)} for a batch of 1")


def check_gamma(gamma: float) -> float:
    if not isinstance(gamma, (int, float)) or not 0.0 < float(gamma) <= 1.0:
        raise ValueError(f"gamma must be in (0, 1], got {gamma!r}")
    return float(gamma)
