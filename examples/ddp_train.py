"""Data-parallel fit on real MNIST with nnlab.distributed.

    PYTHONPATH=src python examples/ddp_train.py --nprocs 2          # spawns 2 processes
    PYTHONPATH=src torchrun --nproc_per_node=2 examples/ddp_train.py --torchrun
    # several machines: torchrun --nnodes=2 --node_rank=I --rdzv_endpoint=HOST:29500 \
    #     --nproc_per_node=N examples/ddp_train.py --torchrun

``fit(..., distributed=True)`` gives each rank its slice of every global batch, wraps the
model in DistributedDataParallel, averages the epoch logs over ranks and keeps progress
and the resume checkpoint (``--checkpoint-dir``, a folder every rank can read) on rank 0.
"""
import argparse
import time

import torch


def train(rank, world, n_train=12800, batch_size=64, epochs=2, checkpoint_dir=None):
    from nnlab.data import load_mnist
    from nnlab.layers import Dense
    from nnlab.models import Sequential
    from nnlab.optimizers import SGD
    (x, y), (xt, yt) = load_mnist()
    x = (x[:n_train] / 255.0).astype("float32").reshape(-1, 784)
    y = y[:n_train].astype("int64")
    torch.manual_seed(0)
    m = Sequential([Dense(300, activation="relu", input_shape=(784,)),
                    Dense(100, activation="relu"), Dense(10, activation="softmax")])
    m.compile(SGD(learning_rate=0.1, momentum=0.9), "sparse_categorical_crossentropy",
              metrics=["accuracy"])
    t0 = time.time()
    hist = m.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=False, verbose=0,
                 distributed=True, checkpoint_dir=checkpoint_dir)
    seconds = time.time() - t0
    xt = (xt / 255.0).astype("float32").reshape(-1, 784)
    acc = m.evaluate(xt, yt.astype("int64"), verbose=0)[1]
    if rank == 0:
        print(f"{world} process(es): {epochs * n_train / seconds:,.0f} samples/s, "
              f"train loss {hist.history['loss'][-1]:.4f} (mean over ranks), test acc {acc:.2%}")
    return epochs * n_train / seconds, acc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nprocs", type=int, default=2)
    ap.add_argument("--torchrun", action="store_true", help="started by torchrun")
    ap.add_argument("--checkpoint-dir", default=None, help="resume folder (rank 0 writes)")
    a = ap.parse_args()
    kwargs = dict(checkpoint_dir=a.checkpoint_dir)
    if a.torchrun:
        import torch.distributed as dist

        from nnlab.distributed import init_from_env
        train(*init_from_env(), **kwargs)
        dist.destroy_process_group()
    else:
        from nnlab.distributed import launch
        launch(train, nprocs=a.nprocs, args=(12800, 64, 2, a.checkpoint_dir))


if __name__ == "__main__":
    main()
