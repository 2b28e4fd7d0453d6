"""int8 dynamic quantisation of LeNet-300-100 on real MNIST: size, test accuracy and
CPU latency (batch 256, median of 30) before/after. Run by hand:

    PYTHONPATH=src python benchmarks/int8_lenet.py --epochs 4
"""
import argparse
import time

import torch

from nnlab.compress import measure_latency, model_size_bytes, quantize_int8
from nnlab.data import load_mnist
from nnlab.layers import Dense
from nnlab.models import Sequential
from nnlab.optimizers import Adam
from bench_machine import describe  # noqa: E402  (benchmarks/ is the script's folder)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=4)
    a = ap.parse_args()
    print(describe(torch.get_num_threads()))
    torch.manual_seed(0)
    (x, y), (xt, yt) = load_mnist()
    x = (x / 255.0).astype("float32").reshape(-1, 784)
    xt = torch.as_tensor((xt / 255.0).astype("float32").reshape(-1, 784))
    m = Sequential([Dense(300, activation="relu", input_shape=(784,)),
                    Dense(100, activation="relu"), Dense(10, activation="softmax")])
    m.compile(Adam(learning_rate=1e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    t0 = time.time()
    m.fit(x, y.astype("int64"), epochs=a.epochs, batch_size=128, verbose=0)
    print(f"training {time.time() - t0:.0f} s")
    m.eval()
    q = quantize_int8(m)
    batch = xt[:256]
    for name, model in (("float32", m), ("int8", q)):
        with torch.no_grad():
            acc = float((model(xt).argmax(-1).numpy() == yt).mean())
        lat = measure_latency(model, batch, repeats=30)
        print(f"{name}: size {model_size_bytes(model):,} B, test accuracy {acc:.2%}, "
              f"latency {lat * 1e3:.2f} ms / batch of 256")
    print(f"size ratio {model_size_bytes(m) / model_size_bytes(q):.2f}x, latency ratio "
          f"{measure_latency(m, batch, 30) / measure_latency(q, batch, 30):.2f}x")


if __name__ == "__main__":
    main()
