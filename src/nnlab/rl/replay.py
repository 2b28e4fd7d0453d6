"""Experience replay (Mnih et al. 2015): a preallocated ring buffer of tensors.

Transitions live in five tensors of ``capacity`` rows (no per-sample Python objects);
``add`` writes one row, ``sample`` draws ``batch_size`` rows uniformly with replacement
among the filled ones.
"""
from __future__ import annotations

from typing import Optional, Tuple

import torch


class ReplayBuffer:
    """Ring buffer of ``(obs, action, reward, next_obs, done)``.

    Args:
        capacity: rows kept; the oldest is overwritten when full.
        obs_shape: shape of one observation.
        generator: a ``torch.Generator`` for reproducible sampling.

    Shapes returned by ``sample``: obs/next_obs ``(batch, *obs_shape)`` float32, action
    ``(batch,)`` int64, reward and done ``(batch,)`` float32.
    """

    def __init__(self, capacity: int, obs_shape: Tuple[int, ...],
                 generator: Optional[torch.Generator] = None):
        if not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"ReplayBuffer: capacity must be a positive int, got {capacity!r}")
        self.capacity = capacity
        self.obs = torch.zeros((capacity,) + tuple(obs_shape))
        self.next_obs = torch.zeros((capacity,) + tuple(obs_shape))
        self.action = torch.zeros(capacity, dtype=torch.int64)
        self.reward = torch.zeros(capacity)
        self.done = torch.zeros(capacity)
        self.position = 0
        self.size = 0
        self.generator = generator

    def __len__(self) -> int:
        return self.size

    def add(self, obs, action: int, reward: float, next_obs, done: bool) -> None:
        i = self.position
        self.obs[i] = torch.as_tensor(obs, dtype=torch.float32)
        self.next_obs[i] = torch.as_tensor(next_obs, dtype=torch.float32)
        self.action[i] = int(action)
        self.reward[i] = float(reward)
        self.done[i] = float(done)
        self.position = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size: int):
        if batch_size > self.size:
            raise ValueError(f"ReplayBuffer.sample: batch_size {batch_size} > {self.size} "
                             "stored transitions")
        idx = torch.randint(0, self.size, (batch_size,), generator=self.generator)
        return self.obs[idx], self.action[idx], self.reward[idx], self.next_obs[idx], \
            self.done[idx]
