"""Static post-training int8 (calibrated) and dynamic fixed point on LeNet-5, real MNIST:
size, test accuracy and CPU latency (batch 256, median of 30, one thread) before/after,
then accuracy vs fixed-point word length. Run by hand:

    PYTHONPATH=src python benchmarks/int8_static_lenet5.py --epochs 3
"""
import argparse
import time

import numpy as np
import torch

from nnlab.compress import (measure_latency, model_size_bytes, quantize_static_int8,
                            simulate_fixed_point)
from nnlab.data import load_mnist
from nnlab.layers import Conv2D, Dense, Flatten, MaxPooling2D
from nnlab.models import Sequential
from nnlab.optimizers import Adam
from bench_machine import describe  # noqa: E402  (benchmarks/ is the script's folder)


def lenet5():
    """Caffe's LeNet-5 (Han et al.'s): 20 and 50 5x5 convs, 500 ReLU units, softmax."""
    m = Sequential([Conv2D(20, 5, input_shape=(28, 28, 1)), MaxPooling2D(2), Conv2D(50, 5),
                    MaxPooling2D(2), Flatten(), Dense(500, activation="relu"),
                    Dense(10, activation="softmax")])
    m.compile(Adam(learning_rate=1e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def accuracy(model, x, y):
    with torch.no_grad():
        return float(np.mean([(model(x[i:i + 1000]).argmax(-1).numpy() == y[i:i + 1000]).mean()
                              for i in range(0, len(x), 1000)]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--calibration", type=int, default=1000, help="training images observed")
    a = ap.parse_args()
    print(describe(torch.get_num_threads()))
    torch.manual_seed(0)
    torch.set_num_threads(1)
    (x, y), (xt, yt) = load_mnist()
    x = (x / 255.0).astype("float32").reshape(-1, 28, 28, 1)
    xt = torch.as_tensor((xt / 255.0).astype("float32").reshape(-1, 28, 28, 1))
    m = lenet5()
    c0, t0 = time.process_time(), time.time()
    m.fit(x, y.astype("int64"), epochs=a.epochs, batch_size=128, verbose=0)
    print(f"training {time.process_time() - c0:.0f} s CPU, {time.time() - t0:.0f} s wall")
    m.eval()
    c0 = time.process_time()
    q = quantize_static_int8(m, x[:a.calibration])
    print(f"calibration + conversion {time.process_time() - c0:.1f} s CPU")
    batch = xt[:256]
    lat = {}
    for name, model in (("float32", m), ("int8 static", q)):
        lat[name] = measure_latency(model, batch, repeats=30)
        print(f"{name}: size {model_size_bytes(model):,} B, test accuracy "
              f"{accuracy(model, xt, yt):.2%}, latency {lat[name] * 1e3:.2f} ms / batch of 256")
    print(f"size ratio {model_size_bytes(m) / model_size_bytes(q):.2f}x, latency ratio "
          f"{lat['float32'] / lat['int8 static']:.2f}x")
    print("\ndynamic fixed point (weights, biases and layer inputs), test accuracy:")
    for bits in (16, 12, 10, 8, 6, 5, 4, 3):
        fq, rows = simulate_fixed_point(m, bits, x[:a.calibration])
        fls = ", ".join(f"{r['weight_fl']}/{r['input_fl']}" for r in rows)
        print(f"{bits:2d} bits: {accuracy(fq, xt, yt):.2%}  (weight/input fractional bits per "
              f"layer: {fls})")


if __name__ == "__main__":
    main()
