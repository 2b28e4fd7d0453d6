"""The adding problem (Hochreiter & Schmidhuber 1997), the long-range task of the RNN studies."""
from __future__ import annotations

import numpy as np


def adding_problem(n: int, length: int, seed: int):
    """``x`` float32 ``(n, length, 2)``: channel 0 uniform values in [0, 1], channel 1 marks
    one position in each half; ``y`` float32 ``(n, 1)`` is the sum of the two marked values.
    Predicting the mean (1.0) gives MSE 1/6 ~ 0.167: a model below that has learned to
    remember across the sequence."""
    rng = np.random.default_rng(seed)
    values = rng.random((n, length)).astype(np.float32)
    marks = np.zeros((n, length), dtype=np.float32)
    half = length // 2
    first = rng.integers(0, half, n)
    second = rng.integers(half, length, n)
    marks[np.arange(n), first] = 1.0
    marks[np.arange(n), second] = 1.0
    y = (values * marks).sum(axis=1, keepdims=True)
    return np.stack([values, marks], axis=-1), y.astype(np.float32)
