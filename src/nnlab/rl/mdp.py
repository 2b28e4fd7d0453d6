"""Markov decision processes and dynamic programming (CS231n lecture 14, Sutton & Barto ch. 4).

An :class:`MDP` holds the full model of a finite environment as arrays:

- ``P``: ``(S, A, S)`` transition probabilities ``P[s, a, s'] = p(s' | s, a)``;
- ``R``: ``(S, A)`` expected immediate rewards ``R[s, a] = E[r | s, a]``;
- ``terminal``: ``(S,)`` booleans; a terminal state has value 0 (no further reward).

Dynamic programming on it (all vectorised numpy over whole arrays):

- :func:`policy_evaluation`: ``V_pi = R_pi + gamma P_pi V_pi`` solved exactly (a linear
  system) or iteratively;
- :func:`value_iteration`: the Bellman optimality backup
  ``V(s) <- max_a sum_s' P[s,a,s'] (R[s,a] + gamma V(s'))`` until ``max|dV| < tol``;
- :func:`policy_iteration`: evaluate, act greedily, repeat until the policy is stable.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np


def _check_gamma(gamma: float) -> float:
    if not isinstance(gamma, (int, float)) or not 0.0 < float(gamma) <= 1.0:
        raise ValueError(f"gamma must be in (0, 1], got {gamma!r}")
    return float(gamma)


@dataclass
class MDP:
    """A finite MDP as arrays.

    Args:
        P: ``(S, A, S)`` transition probabilities; each ``P[s, a]`` sums to 1.
        R: ``(S, A)`` expected rewards.
        terminal: ``(S,)`` booleans (default: no terminal states).

    Raises:
        ValueError: shapes that disagree, negative probabilities or rows not summing to 1.
    """

    P: np.ndarray
    R: np.ndarray
    terminal: Optional[np.ndarray] = None

    def __post_init__(self) -> None:
        self.P = np.asarray(self.P, dtype=np.float64)
        self.R = np.asarray(self.R, dtype=np.float64)
        if self.P.ndim != 3 or self.P.shape[0] != self.P.shape[2]:
            raise ValueError(f"MDP: P must have shape (S, A, S), got {self.P.shape}")
        if self.R.shape != self.P.shape[:2]:
            raise ValueError(f"MDP: R must have shape (S, A) = {self.P.shape[:2]}, "
                             f"got {self.R.shape}")
        if (self.P < 0).any():
            raise ValueError("MDP: P has negative probabilities")
        sums = self.P.sum(axis=2)
        if not np.allclose(sums, 1.0, atol=1e-6):
            s, a = np.argwhere(~np.isclose(sums, 1.0, atol=1e-6))[0]
            raise ValueError(f"MDP: P[{s}, {a}] sums to {sums[s, a]:.6f}, expected 1")
        if self.terminal is None:
            self.terminal = np.zeros(self.P.shape[0], dtype=bool)
        self.terminal = np.asarray(self.terminal, dtype=bool)
        if self.terminal.shape != (self.P.shape[0],):
            raise ValueError(f"MDP: terminal must have shape ({self.P.shape[0]},), "
                             f"got {self.terminal.shape}")

    @property
    def n_states(self) -> int:
        return self.P.shape[0]

    @property
    def n_actions(self) -> int:
        return self.P.shape[1]

    @classmethod
    def from_gymnasium(cls, env: Any) -> "MDP":
        """Build the MDP of a Gymnasium toy-text environment from its table ``env.unwrapped.P``.

        ``P[s][a]`` is a list of ``(prob, next_state, reward, terminated)``; rewards are
        averaged into ``R[s, a]``; a state reached with ``terminated=True`` is terminal.
        Works for FrozenLake, CliffWalking and Taxi.
        """
        table = getattr(getattr(env, "unwrapped", env), "P", None)
        if not isinstance(table, dict):
            raise TypeError("MDP.from_gymnasium needs a toy-text environment with a transition "
                            f"table env.unwrapped.P (FrozenLake, Taxi, CliffWalking); "
                            f"{type(env).__name__} has none")
        n_s = env.observation_space.n
        n_a = env.action_space.n
        P = np.zeros((n_s, n_a, n_s))
        R = np.zeros((n_s, n_a))
        terminal = np.zeros(n_s, dtype=bool)
        for s, actions in table.items():
            for a, outcomes in actions.items():
                for prob, nxt, reward, done in outcomes:
                    P[s, a, nxt] += prob
                    R[s, a] += prob * reward
                    if done:
                        terminal[nxt] = True
        # a terminal state's own row is irrelevant (its value is pinned to 0)
        return cls(P, R, terminal)

    def backup(self, V: np.ndarray, gamma: float) -> np.ndarray:
        """``Q[s, a] = R[s, a] + gamma * sum_s' P[s, a, s'] V[s']``, shape ``(S, A)``."""
        V = np.where(self.terminal, 0.0, V)
        return self.R + gamma * self.P @ V


@dataclass
class Solution:
    """What dynamic programming returns: ``V`` ``(S,)``, ``Q`` ``(S, A)``, greedy ``policy``
    ``(S,)`` and the number of sweeps (value iteration) or improvements (policy iteration)."""

    V: np.ndarray
    Q: np.ndarray
    policy: np.ndarray
    iterations: int


def _terminal_zero(mdp: MDP, V: np.ndarray) -> np.ndarray:
    return np.where(mdp.terminal, 0.0, V)


def policy_evaluation(mdp: MDP, policy: np.ndarray, gamma: float = 0.99, tol: float = 1e-10,
                      exact: bool = True, max_iterations: int = 100_000) -> np.ndarray:
    """Value ``V_pi`` ``(S,)`` of ``policy``: ``(S,)`` actions, or ``(S, A)`` probabilities.

    ``exact=True`` solves ``(I - gamma P_pi) V = R_pi`` on the non-terminal states;
    otherwise iterates the Bellman expectation backup until ``max|dV| < tol``.
    """
    gamma = _check_gamma(gamma)
    pi = np.asarray(policy)
    if pi.ndim == 1:
        if pi.shape != (mdp.n_states,) or pi.min() < 0 or pi.max() >= mdp.n_actions:
            raise ValueError(f"policy must be {mdp.n_states} actions in [0, {mdp.n_actions}), "
                             f"got shape {pi.shape}")
        pi = np.eye(mdp.n_actions)[pi.astype(int)]
    if pi.shape != (mdp.n_states, mdp.n_actions):
        raise ValueError(f"policy must have shape ({mdp.n_states},) or "
                         f"({mdp.n_states}, {mdp.n_actions}), got {pi.shape}")
    P_pi = np.einsum("sa,sat->st", pi, mdp.P)
    R_pi = (pi * mdp.R).sum(axis=1)
    live = ~mdp.terminal
    if exact:
        V = np.zeros(mdp.n_states)
        A = np.eye(live.sum()) - gamma * P_pi[np.ix_(live, live)]
        V[live] = np.linalg.solve(A, R_pi[live])
        return V
    V = np.zeros(mdp.n_states)
    for _ in range(max_iterations):
        new = _terminal_zero(mdp, R_pi + gamma * P_pi @ V)
        if np.max(np.abs(new - V)) < tol:
            return new
        V = new
    return V


def value_iteration(mdp: MDP, gamma: float = 0.99, tol: float = 1e-10,
                    max_iterations: int = 100_000) -> Solution:
    """Bellman optimality backups until ``max|V_k+1 - V_k| < tol``.

    Returns V*, Q* and the greedy policy ``argmax_a Q*(s, a)`` (ties: lowest action).
    """
    gamma = _check_gamma(gamma)
    if tol <= 0:
        raise ValueError(f"tol must be > 0, got {tol!r}")
    V = np.zeros(mdp.n_states)
    for sweep in range(1, max_iterations + 1):
        Q = mdp.backup(V, gamma)
        new = _terminal_zero(mdp, Q.max(axis=1))
        delta = np.max(np.abs(new - V))
        V = new
        if delta < tol:
            break
    Q = mdp.backup(V, gamma)
    return Solution(V, Q, Q.argmax(axis=1), sweep)


def policy_iteration(mdp: MDP, gamma: float = 0.99, max_iterations: int = 1_000) -> Solution:
    """Howard's policy iteration: exact evaluation, greedy improvement, until stable."""
    gamma = _check_gamma(gamma)
    policy = np.zeros(mdp.n_states, dtype=int)
    for it in range(1, max_iterations + 1):
        V = policy_evaluation(mdp, policy, gamma, exact=True)
        Q = mdp.backup(V, gamma)
        # keep the current action on (near-)ties so the loop cannot cycle
        best = Q.max(axis=1, keepdims=True)
        keep = Q[np.arange(mdp.n_states), policy] >= best[:, 0] - 1e-12
        new = np.where(keep, policy, Q.argmax(axis=1))
        if np.array_equal(new, policy):
            return Solution(V, Q, policy, it)
        policy = new
    return Solution(V, Q, policy, max_iterations)
