"""DCGAN training steps per second: ``fit`` driving ``GAN.train_step`` (two optimizers,
the Keras 3 custom-step contract) vs the same step in a hand-written PyTorch loop (same
modules, same losses, torch.optim.Adam, zero_grad/backward/step). Goal: >= 0.95x.

    python benchmarks/gan_step.py [--steps 60] [--batch 64] [--base 32] [--repeats 3]
"""
import argparse
import time

import torch

import nnlab
from nnlab.generative import dcgan, discriminator_loss, generator_loss
from bench_machine import describe  # noqa: E402  (benchmarks/ is the script's folder)

p = argparse.ArgumentParser()
p.add_argument("--steps", type=int, default=60)
p.add_argument("--batch", type=int, default=64)
p.add_argument("--base", type=int, default=32)
p.add_argument("--repeats", type=int, default=3)
args = p.parse_args()
print(describe(torch.get_num_threads()))

x = torch.rand(args.steps * args.batch, 28, 28, 1) * 2 - 1


def with_fit():
    nnlab.set_seed(0)
    gan = dcgan(latent_dim=100, base=args.base)
    gan.fit(x[: 2 * args.batch], epochs=1, batch_size=args.batch, verbose=0)  # warm-up
    t = time.perf_counter()
    gan.fit(x, epochs=1, batch_size=args.batch, verbose=0, shuffle=False)
    return args.steps / (time.perf_counter() - t)


def hand_loop():
    nnlab.set_seed(0)
    gan = dcgan(latent_dim=100, base=args.base, compile=False)
    G, D = gan.generator, gan.discriminator
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    G.train()
    D.train()

    def step(real):
        fake = G(torch.randn(len(real), 100))
        d_loss = discriminator_loss(D(real), D(fake.detach()))
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        g_loss = generator_loss(D(fake))
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()

    for i in range(2):
        step(x[i * args.batch:(i + 1) * args.batch])
    t = time.perf_counter()
    for i in range(args.steps):
        step(x[i * args.batch:(i + 1) * args.batch])
    return args.steps / (time.perf_counter() - t)


fit_rates, loop_rates = [], []
for _ in range(args.repeats):  # interleaved, best of each (the machine is shared)
    fit_rates.append(with_fit())
    loop_rates.append(hand_loop())
f, h = max(fit_rates), max(loop_rates)
print(f"DCGAN base={args.base} batch={args.batch}, {args.steps} steps, best of "
      f"{args.repeats}: fit+train_step {f:.2f} steps/s, hand loop {h:.2f} steps/s, "
      f"ratio {f / h:.3f}")
print("all runs fit:", [round(r, 2) for r in fit_rates], "loop:",
      [round(r, 2) for r in loop_rates])
