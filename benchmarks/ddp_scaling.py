"""Samples/s of data-parallel fit with 1 and 2 gloo processes on this machine (run by
hand): PYTHONPATH=src python benchmarks/ddp_scaling.py

The workload is the MLP of examples/ddp_train.py (784-300-100-10, SGD with momentum, 12,800
MNIST digits, batch 64, 2 epochs); the test accuracy is printed as a check that the ranks
really trained one model together.
"""
import time


def throughput(rank: int, world: int, n_train: int = 12800, batch_size: int = 64,
               epochs: int = 2):
    """One rank's share of a data-parallel ``fit``; returns (samples/s of all ranks, test
    accuracy). Module-level so that ``launch`` can start it in spawned processes."""
    import torch

    from nnlab import layers, models, optimizers
    from nnlab.data import load_mnist

    (x, y), (x_test, y_test) = load_mnist()
    x = (x[:n_train] / 255.0).astype("float32").reshape(-1, 784)
    torch.manual_seed(0)
    model = models.Sequential([layers.Dense(300, activation="relu", input_shape=(784,)),
                               layers.Dense(100, activation="relu"),
                               layers.Dense(10, activation="softmax")])
    model.compile(optimizers.SGD(learning_rate=0.1, momentum=0.9),
                  "sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.time()
    model.fit(x, y[:n_train].astype("int64"), epochs=epochs, batch_size=batch_size,
              shuffle=False, verbose=0, distributed=True)
    samples_per_second = epochs * n_train / (time.time() - start)
    accuracy = model.evaluate((x_test / 255.0).astype("float32").reshape(-1, 784),
                              y_test.astype("int64"), verbose=0)[1]
    return samples_per_second, accuracy


if __name__ == "__main__":
    from nnlab.distributed import launch

    import torch

    from bench_machine import describe  # benchmarks/ is the script's folder

    print(describe(torch.get_num_threads()))
    for n in (1, 2):
        results = launch(throughput, nprocs=n)
        print(f"nprocs={n}: {results[0][0]:,.0f} samples/s (total), test acc {results[0][1]:.2%}")
