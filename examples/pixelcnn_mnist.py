"""PixelCNN on binarised MNIST: masked convolutions (type A, then residual type-B blocks),
test NLL in nats per image, and a grid of samples drawn pixel by pixel.

    python examples/pixelcnn_mnist.py [--epochs 3 --minutes 25 --train 30000] [--out DIR]
"""
import argparse
import time

import nnlab
from nnlab.data import load_mnist
from nnlab.generative import PixelCNN, save_grid
from nnlab.callbacks import Callback

p = argparse.ArgumentParser()
p.add_argument("--epochs", type=int, default=3)
p.add_argument("--minutes", type=float, default=25, help="stop training after this long")
p.add_argument("--train", type=int, default=30000)
p.add_argument("--test", type=int, default=2000)
p.add_argument("--filters", type=int, default=32)
p.add_argument("--blocks", type=int, default=4)
p.add_argument("--out", default=None)
args = p.parse_args()


class TimeLimit(Callback):
    def __init__(self, seconds):
        super().__init__()
        self.end = time.time() + seconds

    def on_train_batch_end(self, batch, logs=None):
        if time.time() > self.end:
            self.model.stop_training = True


nnlab.set_seed(0)
(x, _), (xt, _) = load_mnist()
binarise = lambda a: (a[..., None] > 127).astype("float32")  # noqa: E731 fixed threshold
x, xt = binarise(x[: args.train]), binarise(xt[: args.test])

model = PixelCNN((28, 28, 1), filters=args.filters, blocks=args.blocks, output="binary")
model.compile(optimizer=nnlab.optimizers.Adam(1e-3))
print(f"{model.count_params():,} parameters")
t0 = time.time()
h = model.fit(x, epochs=args.epochs, batch_size=64, verbose=2,
              callbacks=[TimeLimit(60 * args.minutes)])
train_s = time.time() - t0
test = model.evaluate(xt, batch_size=500, verbose=0, return_dict=True)
print(f"train {train_s:.0f} s, {len(h.epoch)} epochs; test NLL {test['loss']:.2f} nats/image "
      f"on {len(xt)} test images")
if args.out:
    t1 = time.time()
    save_grid(model.sample(36), f"{args.out}/pixelcnn_samples.png", ncols=6)
    print(f"36 samples in {time.time() - t1:.0f} s")
