"""Denoising convolutional autoencoder on Fashion-MNIST with sigma = 0.5 Gaussian noise:
PSNR of the noisy input and of the reconstruction on the test set, and a picture
(clean / noisy / denoised rows).

    python examples/denoising_fashion.py [--epochs 2 --train 30000] [--out DIR]
"""
import argparse
import time

import numpy as np
import torch

import nnlab
from nnlab.data import load_fashion_mnist
from nnlab.generative import GaussianNoise, conv_autoencoder, psnr, save_grid

p = argparse.ArgumentParser()
p.add_argument("--epochs", type=int, default=2)
p.add_argument("--sigma", type=float, default=0.5)
p.add_argument("--train", type=int, default=30000)
p.add_argument("--out", default=None)
args = p.parse_args()

nnlab.set_seed(0)
(x, _), (xt, _) = load_fashion_mnist()
x = x[: args.train, ..., None].astype("float32") / 255
xt = xt[..., None].astype("float32") / 255

noise = GaussianNoise(args.sigma)  # clipped to [0, 1]
ae = conv_autoencoder((28, 28, 1), filters=(32, 64), noise=noise)
ae.compile(optimizer=nnlab.optimizers.Adam(1e-3), loss="binary_crossentropy")
t0 = time.time()
ae.fit(x, epochs=args.epochs, batch_size=128, verbose=2)
train_s = time.time() - t0

clean = torch.from_numpy(xt)
torch.manual_seed(1)
noisy = noise(clean)
with torch.no_grad():
    denoised = torch.cat([ae(noisy[i:i + 1000]) for i in range(0, len(noisy), 1000)])
p_noisy, p_out = psnr(clean, noisy), psnr(clean, denoised)
print(f"train {train_s:.0f} s; test PSNR noisy {p_noisy:.2f} dB, denoised {p_out:.2f} dB, "
      f"gain {p_out - p_noisy:+.2f} dB")
if args.out:
    rows = np.concatenate([clean[:10], noisy[:10], denoised[:10]])
    save_grid(rows, f"{args.out}/dae_fashion.png", ncols=10)
