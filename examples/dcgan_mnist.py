"""DCGAN on MNIST through fit + the GAN's own train_step: sample grids every epoch, a
latent interpolation, and the classifier score (Inception-Score/FID formulas on a CNN
trained on real MNIST; real test digits give the reference).

    python examples/dcgan_mnist.py --epochs 5 [--out docs/img/generative]
"""
import argparse
import time

import torch

import nnlab
from nnlab import layers as L
from nnlab.data import load_mnist
from nnlab.generative import SampleGrid, classifier_score, dcgan, interpolate, save_grid

p = argparse.ArgumentParser()
p.add_argument("--epochs", type=int, default=5)
p.add_argument("--base", type=int, default=32, help="DCGAN width (64 in the paper)")
p.add_argument("--train", type=int, default=60000)
p.add_argument("--clf-epochs", type=int, default=1, help="epochs of the judge CNN")
p.add_argument("--out", default=None)
args = p.parse_args()

nnlab.set_seed(0)
(x, y), (xt, yt) = load_mnist()
scale = lambda a: (a[..., None].astype("float32") / 127.5 - 1)  # noqa: E731 to [-1, 1]
x, xt = scale(x[: args.train]), scale(xt)

# the judge: a small CNN trained on the real digits (same [-1, 1] scaling)
clf = nnlab.Sequential([nnlab.Input((28, 28, 1)),
                        L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(),
                        L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(),
                        L.Flatten(), L.Dense(128, activation="relu"), L.Dense(10)])
clf.compile("adam", nnlab.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"])
clf.fit(x, y[: len(x)], epochs=args.clf_epochs, batch_size=128, verbose=0)
print("classifier test accuracy", clf.evaluate(xt, yt, verbose=0)[1])
real = classifier_score(xt[:1000], clf, real_images=xt[5000:6000])
print(f"real test digits: score {real['score']:.2f}, FID {real['fid']:.2f}, "
      f"classes {real['classes']}")

gan = dcgan(latent_dim=100, base=args.base)
z_fixed = torch.randn(100, 100)
cbs = [SampleGrid(lambda: gan.generate(z_fixed), "/tmp/dcgan_epoch{epoch}.png",
                  value_range=(-1, 1))]
if args.out:
    cbs = [SampleGrid(lambda: gan.generate(z_fixed[:64]), f"{args.out}/dcgan_samples.png",
                      ncols=8, value_range=(-1, 1))]
t0 = time.time()
gan.fit(x, epochs=args.epochs, batch_size=128, verbose=2, callbacks=cbs)
print(f"train {time.time() - t0:.0f} s")

fake = torch.cat([gan.generate(500) for _ in range(2)]).numpy()
s = classifier_score(fake, clf, real_images=xt[:1000])
print(f"DCGAN 1000 samples: score {s['score']:.2f}, FID {s['fid']:.2f}, "
      f"classes {s['classes']}, counts {s['class_counts'].tolist()}")
if args.out:
    zs = torch.randn(6, 2, 100)
    rows = torch.cat([interpolate(gan, a, b, steps=10) for a, b in zs])
    save_grid(rows, f"{args.out}/dcgan_interpolation.png", value_range=(-1, 1))
