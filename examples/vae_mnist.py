"""VAE on binarised MNIST (2-layer MLP encoder/decoder, 32-d latent): test ELBO and the
importance-weighted log-likelihood, a sample grid, a latent traversal and (with
--latent 2) the 2-D latent map.

    python examples/vae_mnist.py --epochs 12 [--latent 32] [--out docs/img/generative]
"""
import argparse
import time

import numpy as np
import torch

import nnlab
from nnlab.data import load_mnist
from nnlab.generative.grid import save_grid
from nnlab.generative.vae import latent_traversal, mlp_vae

p = argparse.ArgumentParser()
p.add_argument("--epochs", type=int, default=12)
p.add_argument("--latent", type=int, default=32)
p.add_argument("--train", type=int, default=60000, help="training examples used")
p.add_argument("--k", type=int, default=500, help="IWAE samples")
p.add_argument("--iwae-n", type=int, default=2000, help="test examples for the IWAE")
p.add_argument("--out", default=None, help="folder for PNGs")
args = p.parse_args()

nnlab.set_seed(0)
(x, _), (xt, _) = load_mnist()
binarise = lambda a: (a[..., None] > 127).astype("float32")  # noqa: E731 fixed threshold
x, xt = binarise(x[: args.train]), binarise(xt)

vae = mlp_vae(latent_dim=args.latent, hidden=(512, 256))
vae.compile(optimizer=nnlab.optimizers.Adam(1e-3))
t0 = time.time()
vae.fit(x, epochs=args.epochs, batch_size=128, validation_data=(xt[:2000],), verbose=2)
train_s = time.time() - t0

torch.manual_seed(1)
test = vae.evaluate(xt, batch_size=500, verbose=0, return_dict=True)
t1 = time.time()
ll = vae.log_likelihood(xt[: args.iwae_n], k=args.k,
                       batch_size=max(1, 20000 // args.k)).mean().item()
print(f"train {train_s:.0f} s; test ELBO {-test['loss']:.2f} nats "
      f"(recon {test['reconstruction']:.2f}, KL {test['kl']:.2f}); "
      f"IWAE log p(x) k={args.k} on {args.iwae_n}: {ll:.2f} nats ({time.time() - t1:.0f} s)")

if args.out:
    save_grid(vae.sample(100), f"{args.out}/vae_samples.png")
    save_grid(latent_traversal(vae, xt, dims=range(min(6, args.latent)),
                               values=np.linspace(-3, 3, 9)),
              f"{args.out}/vae_traversal.png", ncols=9)
    if args.latent == 2:
        from scipy.stats import norm
        g = norm.ppf(np.linspace(0.05, 0.95, 15)).astype("float32")
        z = torch.tensor([[a, b] for b in g[::-1] for a in g])
        save_grid(vae.decode(z, training=False).detach(), f"{args.out}/vae_latent_map.png",
                  ncols=15)
