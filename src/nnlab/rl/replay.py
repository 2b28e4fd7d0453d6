"""Experience replay (Mnih et al. 2015): a preallocated ring buffer of tensors.

Transitions live in five tensors of ``capacity`` rows (no per-sample Python objects);
``add`` writes one row, ``sample`` draws ``batch_size`` rows uniformly with replacement
among the filled ones, ``sample_many`` the minibatches of a whole training phase at once.
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
        # numpy views sharing the tensors' memory: ``add`` writes one row through them,
        # ~0.3 us per field instead of ~5 us for a torch ``__setitem__`` (+ as_tensor)
        self._rows = tuple(t.numpy() for t in
                           (self.obs, self.action, self.reward, self.next_obs, self.done))

    def __len__(self) -> int:
        return self.size

    def add(self, obs, action: int, reward: float, next_obs, done: bool) -> None:
        i = self.position
        obs_rows, action_rows, reward_rows, next_rows, done_rows = self._rows
        obs_rows[i] = obs
        next_rows[i] = next_obs
        action_rows[i] = int(action)
        reward_rows[i] = float(reward)
        done_rows[i] = float(done)
        self.position = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size: int):
        if batch_size > self.size:
            raise ValueError(f"ReplayBuffer.sample: batch_size {batch_size} > {self.size} "
                             "stored transitions")
        idx = torch.randint(0, self.size, (batch_size,), generator=self.generator)
        return self.obs[idx], self.action[idx], self.reward[idx], self.next_obs[idx], \
            self.done[idx]

    def sample_many(self, n_batches: int, batch_size: int):
        """``n_batches`` independent uniform minibatches in one draw and one gather per
        field (the buffer does not change between the gradient steps of a training
        phase, so this is ``sample`` called ``n_batches`` times, in distribution).

        Returns the five fields with a leading ``(n_batches, batch_size)``: obs/next_obs
        ``(n_batches, batch_size, *obs_shape)``, action ``(n_batches, batch_size)`` int64,
        reward and done ``(n_batches, batch_size)`` float32. Saves per gradient step one
        ``randint`` and five indexing calls (~40 us).
        """
        if batch_size > self.size:
            raise ValueError(f"ReplayBuffer.sample_many: batch_size {batch_size} > "
                             f"{self.size} stored transitions")
        idx = torch.randint(0, self.size, (n_batches * batch_size,), generator=self.generator)
        lead = (n_batches, batch_size)
        return tuple(t.index_select(0, idx).view(lead + t.shape[1:]) for t in
                     (self.obs, self.action, self.reward, self.next_obs, self.done))
