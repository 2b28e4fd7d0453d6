"""Module-level training functions for the spawned ranks (must be importable)."""
import numpy as np
import torch


def _model(seed):
    from nnlab.layers import Dense
    from nnlab.models import Sequential
    from nnlab.optimizers import SGD
    torch.manual_seed(seed)
    m = Sequential([Dense(16, activation="tanh", input_shape=(64,)), Dense(10, activation="softmax")])
    m.compile(SGD(learning_rate=0.5), "sparse_categorical_crossentropy")
    return m


def data(n=2560):
    from nnlab.data import load_digits
    (x, y), _ = load_digits()
    x = (x.reshape(len(x), -1) / 16.0).astype("float32")
    reps = int(np.ceil(n / len(x)))
    return np.tile(x, (reps, 1))[:n], np.tile(y.astype("int64"), reps)[:n]


def train_ddp(rank, world, batch_size, steps):
    from nnlab.distributed import DataParallel, shard
    refused = unequal_data(rank, world)          # one spawn serves both checks
    x, y = data(steps * world * batch_size)
    xs, ys = shard(x, y, batch_size)
    m = _model(seed=rank)            # different seeds: rank 0's weights are broadcast
    m.fit(xs, ys, epochs=1, batch_size=batch_size, shuffle=False, verbose=0,
          callbacks=[DataParallel()])
    return refused, [p.detach().numpy() for p in m.parameters()]


def train_single(batch_size, steps):
    x, y = data(steps * batch_size)
    m = _model(seed=0)
    m.fit(x, y, epochs=1, batch_size=batch_size, shuffle=False, verbose=0)
    return [p.detach().numpy() for p in m.parameters()]


def unequal_data(rank, world):
    from nnlab.distributed import shard
    x, y = data(128 + 64 * rank)
    try:
        shard(x, y, 64)
    except ValueError as err:
        return str(err)
    return "no error"
