"""Deep compression (Han et al. 2016) of LeNet-300-100 or LeNet-5 on real MNIST:
train -> iterative magnitude pruning -> k-means weight sharing -> Huffman coding, with
the paper's per-layer sparsities and bits, then a compact file that loads back.

    PYTHONPATH=src python examples/deep_compression_lenet.py --model lenet300
    PYTHONPATH=src python examples/deep_compression_lenet.py --model lenet5
Times are one thread's CPU seconds (time.process_time) and wall seconds. The ratio
printed last is the size of the compact file (``save_compressed(..., compact=True)``:
Huffman streams, float16 codebooks and biases, canonical code tables, the architecture)
against the float32 parameters: real bytes on disk, not an estimate.
"""
import argparse
import os
import tempfile
import time

import torch

from nnlab.compress import compression_report, deep_compress, load_compressed, save_compressed
from nnlab.compress.weight_sharing import is_shared, shared_state
from nnlab.data import load_mnist
from nnlab.layers import Conv2D, Dense, Flatten, MaxPooling2D
from nnlab.models import Sequential
from nnlab import regularizers
from nnlab.callbacks import LambdaCallback, LearningRateScheduler
from nnlab.optimizers import Adam

# the paper's Tables 1-2: pruned fractions; bits 8 conv / 5 FC, 6 for the small fc2/fc3 (Table 2)
PLANS = {"lenet300": ({"fc1": 0.92, "fc2": 0.91, "fc3": 0.74}, {"fc1": 5, "fc2": 6, "fc3": 6}),
         "lenet5": ({"conv1": 0.34, "conv2": 0.88, "fc1": 0.92, "fc2": 0.81},
                    {"conv1": 8, "conv2": 8, "fc1": 5, "fc2": 5})}


def build(kind: str, l2: float = 0.0):
    reg = regularizers.l2(l2) if l2 else None    # Caffe's weight decay 2*l2, as the paper's
    if kind == "lenet300":   # 784-300-100-10, 266,610 parameters
        layers = [Dense(300, activation="relu", input_shape=(784,), name="fc1", kernel_regularizer=reg),
                  Dense(100, activation="relu", name="fc2", kernel_regularizer=reg),
                  Dense(10, activation="softmax", name="fc3", kernel_regularizer=reg)]
    else:                    # Caffe's LeNet-5 as in the paper: 20 and 50 5x5 convs, 500 FC
        layers = [Conv2D(20, 5, input_shape=(28, 28, 1), name="conv1", kernel_regularizer=reg),
                  MaxPooling2D(2), Conv2D(50, 5, name="conv2", kernel_regularizer=reg),
                  MaxPooling2D(2), Flatten(),
                  Dense(500, activation="relu", name="fc1", kernel_regularizer=reg),
                  Dense(10, activation="softmax", name="fc2", kernel_regularizer=reg)]
    m = Sequential(layers)
    m.compile(Adam(learning_rate=1e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def plot_fc1(dense: torch.Tensor, fc1, path: str) -> None:
    """Han et al.'s Figure 5 for fc1: the dense kernel's histogram (left) and, after pruning
    and weight sharing, how many kept weights use each shared value (right)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    centroids, indices, mask = shared_state(fc1, "kernel")
    counts = torch.bincount(indices[mask].flatten(), minlength=len(centroids))
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2), sharex=True)
    left.hist(dense.numpy(), bins=200, color="tab:gray")
    left.set_title(f"fc1 dense: {dense.numel():,} weights")
    right.bar(centroids.numpy(), counts.numpy(), width=0.6 * float(
        (centroids.max() - centroids.min()) / max(len(centroids) - 1, 1)), color="tab:blue")
    right.set_title(f"pruned + {len(centroids)} shared values: {int(mask.sum()):,} kept")
    for ax in (left, right):
        ax.set_xlabel("weight value")
        ax.locator_params(axis="x", nbins=6)
    left.set_ylabel("count")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=sorted(PLANS), default="lenet300")
    ap.add_argument("--train", type=int, default=60000, help="training images used")
    # dense epochs; pruning epochs, events and epochs between events; centroid epochs
    for flag, default in (("--epochs", 30), ("--prune-epochs", 12), ("--prune-steps", 4),
                          ("--prune-every", 1), ("--quant-epochs", 6), ("--seed", 0)):
        ap.add_argument(flag, type=int, default=default)
    ap.add_argument("--ft-lr", type=float, default=3e-4, help="pruning fine-tuning learning rate")
    ap.add_argument("--quant-lr", type=float, default=None, help="centroid fine-tuning lr")
    ap.add_argument("--decay", type=float, default=0.9, help="learning rate factor per epoch")
    ap.add_argument("--l2", type=float, default=1e-4, help="L2 penalty on the kernels")
    ap.add_argument("--conv-bits", type=int, default=8, help="weight-sharing bits of convs")
    ap.add_argument("--fc-bits", type=int, default=None, help="bits of the FC layers "
                    "(default the paper's: 5, 6 for LeNet-300-100's fc2/fc3)")
    ap.add_argument("--cpu-minutes", type=float, default=None, help="CPU-time budget of the "
                    "dense training (it stops after the epoch that reaches it)")
    ap.add_argument("--out", default=None, help="where to write the compressed file")
    ap.add_argument("--png", default=None, help="where to draw fc1's weights before and after")
    a = ap.parse_args(argv)
    torch.manual_seed(a.seed)
    torch.set_num_threads(1)
    (x, y), (xt, yt) = load_mnist()
    shape = (-1, 784) if a.model == "lenet300" else (-1, 28, 28, 1)
    x = (x[:a.train] / 255.0).astype("float32").reshape(shape)
    xt = (xt / 255.0).astype("float32").reshape(shape)
    y, yt = y[:a.train].astype("int64"), yt.astype("int64")
    m = build(a.model, a.l2)
    t0, c0 = time.time(), time.process_time()
    budget = LambdaCallback(on_epoch_end=lambda e, logs=None: setattr(
        m, "stop_training", a.cpu_minutes is not None
        and time.process_time() - c0 >= 60 * a.cpu_minutes))
    m.fit(x, y, epochs=a.epochs, batch_size=128, verbose=0,
          callbacks=[LearningRateScheduler(lambda e: 1e-3 * a.decay ** e), budget])
    print(f"dense training: {time.process_time() - c0:.0f} s CPU, {time.time() - t0:.0f} s wall")
    dense_fc1 = m.get_layer("fc1").kernel.detach().flatten().clone()
    sparsity, bits = PLANS[a.model]
    bits = {k: (a.conv_bits if k.startswith("conv") else a.fc_bits or b) for k, b in bits.items()}
    t0, c0 = time.time(), time.process_time()
    m.compile(Adam(learning_rate=a.ft_lr), "sparse_categorical_crossentropy", metrics=["accuracy"])
    res = deep_compress(m, x, y, sparsity, bits, validation_data=(xt, yt),
                        prune_steps=a.prune_steps, prune_every=a.prune_every,
                        prune_epochs=a.prune_epochs, quant_epochs=a.quant_epochs, batch_size=128,
                        callbacks=[LearningRateScheduler(lambda e: a.decay ** e * (
                            a.quant_lr if a.quant_lr and is_shared(m.layers[-1], "kernel")
                            else a.ft_lr))])
    print(f"compression + fine-tuning: {time.process_time() - c0:.0f} s CPU, "
          f"{time.time() - t0:.0f} s wall")
    print(res.table())
    print(f"total compression {res.ratio:.1f}x, test error "
          f"{1 - res.accuracy['original']:.2%} -> {1 - res.accuracy['fine-tuned']:.2%}")
    for ib in (5, 8):   # the Huffman stage at the fixed P+Q widths instead of the best
        rows = compression_report(m, huffman_index_bits={name: ib for name in sparsity})
        print(f"Huffman with {ib}-bit differences: total {rows[-1]['ratio_pqh']:.1f}x")
    if a.png:
        plot_fc1(dense_fc1, m.get_layer("fc1"), a.png)
    path = a.out or os.path.join(tempfile.mkdtemp(), f"{a.model}.nnlabz")
    save_compressed(m, path, compact=True)      # format 2: every stored byte counted
    loaded = load_compressed(path)
    acc = float((loaded.predict(xt, verbose=0).argmax(-1) == yt).mean())
    dense_bytes = 4 * sum(p.numel() for p in build(a.model).parameters())
    size = os.path.getsize(path)
    print(f"compact file {size:,} B (dense float32 parameters {dense_bytes:,} B): "
          f"{dense_bytes / size:.1f}x; reloaded model test error {1 - acc:.2%}")
    return {"file_bytes": size, "ratio": dense_bytes / size, "error": 1 - acc,
            "report_ratio": res.ratio, "model": m}


if __name__ == "__main__":
    main()
