"""Data-parallel fit on real MNIST with nnlab.distributed.

    PYTHONPATH=src python examples/ddp_train.py --nprocs 2          # spawns 2 processes
    PYTHONPATH=src torchrun --nproc_per_node=2 examples/ddp_train.py --torchrun
    # several machines: torchrun --nnodes=2 --node_rank=I --rdzv_endpoint=HOST:29500 \
    #     --nproc_per_node=N examples/ddp_train.py --torchrun

Each rank fits its shard of every global batch; gradients are averaged across ranks by
the DataParallel callback; rank 0 prints.
"""
import argparse
import time

import torch


def train(rank, world, n_train=12800, batch_size=64, epochs=2):
    from nnlab.data import load_mnist
    from nnlab.distributed import DataParallel, shard
    from nnlab.layers import Dense
    from nnlab.models import Sequential
    from nnlab.optimizers import SGD
    (x, y), (xt, yt) = load_mnist()
    x = (x[:n_train] / 255.0).astype("float32").reshape(-1, 784)
    y = y[:n_train].astype("int64")
    xs, ys = shard(x, y, batch_size)
    torch.manual_seed(0)
    m = Sequential([Dense(300, activation="relu", input_shape=(784,)),
                    Dense(100, activation="relu"), Dense(10, activation="softmax")])
    m.compile(SGD(learning_rate=0.1, momentum=0.9), "sparse_categorical_crossentropy",
              metrics=["accuracy"])
    t0 = time.time()
    hist = m.fit(xs, ys, epochs=epochs, batch_size=batch_size, shuffle=False, verbose=0,
                 callbacks=[DataParallel()])
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
    a = ap.parse_args()
    if a.torchrun:
        import torch.distributed as dist

        from nnlab.distributed import init_from_env
        train(*init_from_env())
        dist.destroy_process_group()
    else:
        from nnlab.distributed import launch
        launch(train, nprocs=a.nprocs)


if __name__ == "__main__":
    main()
