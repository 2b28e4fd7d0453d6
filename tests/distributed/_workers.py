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


def _adam_model(seed):
    from nnlab.optimizers import Adam
    m = _model(seed)
    m.compile(Adam(learning_rate=0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def fit_distributed(rank, world, batch_size, steps, ckpt_dir):
    """Everything fit(distributed=True) promises, in one spawn (two processes cost ~10 s)."""
    import contextlib
    import io
    out = {}
    # 1. N x b == 1 x N*b, with the DDP wrapper and the trainer's own sharding
    x, y = data(steps * world * batch_size)
    m = _model(seed=rank)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        h = m.fit(x, y, epochs=1, batch_size=batch_size, shuffle=False, verbose=1,
                  distributed=True)
    out["weights"] = [p.detach().numpy() for p in m.parameters()]
    out["loss"] = h.history["loss"]
    out["printed"] = buf.getvalue()
    out["ddp_cleared"] = m.compiled.train_forward is None
    # 1b. a map-style Dataset is sharded the same way (a torch Subset per rank)
    ds = torch.utils.data.TensorDataset(torch.as_tensor(x), torch.as_tensor(y))
    md = _model(seed=rank)
    md.fit(ds, epochs=1, batch_size=batch_size, shuffle=False, verbose=0, distributed=True)
    out["dataset_weights"] = [p.detach().numpy() for p in md.parameters()]
    # 2. resume under DDP: 2 epochs, then a new model resumes to 4 == 4 uninterrupted
    xr, yr = data(300)                     # 300 % 2 == 0; 300 / (2 * 32): a short last batch
    a = _adam_model(seed=rank)
    a.fit(xr, yr, epochs=2, batch_size=32, shuffle=False, verbose=0, distributed=True,
          checkpoint_dir=ckpt_dir)
    b = _adam_model(seed=10 + rank)
    hb = b.fit(xr, yr, epochs=4, batch_size=32, shuffle=False, verbose=0, distributed=True,
               checkpoint_dir=ckpt_dir)
    c = _adam_model(seed=rank)            # a's initial weights (rank 0's are broadcast)
    hc = c.fit(xr, yr, epochs=4, batch_size=32, shuffle=False, verbose=0, distributed=True)
    out["resumed"] = [p.detach().numpy() for p in b.parameters()]
    out["uninterrupted"] = [p.detach().numpy() for p in c.parameters()]
    out["resumed_epochs"] = hb.epoch
    out["uninterrupted_acc"] = hc.history["accuracy"]
    # 3. ranks with different data sizes are refused, the model untouched
    d = _model(seed=0)
    w0 = [p.detach().clone() for p in d.parameters()]
    xu, yu = data(128 + 64 * rank)
    try:
        d.fit(xu, yu, epochs=1, batch_size=32, verbose=0, distributed=True)
        out["unequal"] = "no error"
    except ValueError as err:
        out["unequal"] = str(err)
    out["unequal_untouched"] = all(bool((p == q).all()) for p, q in zip(d.parameters(), w0))
    return out


def all_checks(rank, world, ckpt_dir):
    """One spawn for every 2-process test (each launch costs two fresh interpreters)."""
    out = fit_distributed(rank, world, 64, 20, ckpt_dir)
    out["data_parallel"] = train_ddp(rank, world, 64, 20)
    return out
