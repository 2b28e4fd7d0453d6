"""DCGAN on MNIST through fit + the GAN's own train_step, an EMA of the generator's
weights, and the classifier score (Inception-Score/FID formulas on a CNN judge trained to
>= 99% on real MNIST, cached under ~/.cache/nnlab; real test digits give the reference).
Training stops after --epochs or when one thread's CPU time passes --minutes.

    python examples/dcgan_mnist.py --epochs 40 --minutes 25 [--out docs/img/generative]
    python examples/dcgan_mnist.py --base 64 --extra 1 --mbstd --smooth 0.1 --minutes 30
"""
import argparse
import time

import torch

import nnlab
from nnlab.data import load_mnist
from nnlab.generative import (GeneratorEMA, classifier_score, dcgan, mnist_judge, save_grid)

p = argparse.ArgumentParser()
p.add_argument("--epochs", type=int, default=40)
p.add_argument("--minutes", type=float, default=25.0, help="CPU-time budget of training")
p.add_argument("--base", type=int, default=32, help="DCGAN width (64 in the paper)")
p.add_argument("--ema", type=float, default=0.999, help="EMA decay of G's weights per step")
p.add_argument("--extra", type=int, default=0, help="extra 3x3 conv blocks at 7x7 in G and D")
p.add_argument("--mbstd", action="store_true", help="minibatch-stddev feature in D")
p.add_argument("--smooth", type=float, default=0.0, help="one-sided label smoothing (0.1)")
p.add_argument("--batch", type=int, default=128)
p.add_argument("--lr-g", type=float, default=2e-4)
p.add_argument("--lr-d", type=float, default=2e-4)
p.add_argument("--beta1", type=float, default=0.5)
p.add_argument("--judge-epochs", type=int, default=5)
p.add_argument("--out", default=None, help="folder of the PNGs NAME_samples/_interpolation")
p.add_argument("--name", default="dcgan")
args = p.parse_args()
torch.set_num_threads(1)

(x, _), (xt, yt) = load_mnist()
scale = lambda a: (a[..., None].astype("float32") / 127.5 - 1)  # noqa: E731 to [-1, 1]
x, xt = scale(x), scale(xt)
c0 = time.process_time()
judge = mnist_judge(epochs=args.judge_epochs)  # trained once (~5 CPU minutes), then cached
print(f"judge: test accuracy {judge.evaluate(xt, yt, verbose=0)[1]:.4f} "
      f"({time.process_time() - c0:.0f} s CPU)")
judge.eval()


def score(images):
    s = classifier_score(images, judge, real_images=xt[:1000])
    return f"score {s['score']:.2f}, FID {s['fid']:.2f}, classes {s['classes']}", s


print("real test digits 5000-5999:", score(xt[5000:6000])[0])

nnlab.set_seed(0)
gan = dcgan(latent_dim=100, base=args.base, extra_blocks=args.extra, minibatch_std=args.mbstd,
            label_smoothing=args.smooth, compile=False)
adam = nnlab.optimizers.Adam
gan.compile(d_optimizer=adam(learning_rate=args.lr_d, beta_1=args.beta1),
            g_optimizer=adam(learning_rate=args.lr_g, beta_1=args.beta1))
print(args)
ema = GeneratorEMA(gan, decay=args.ema)
c0, w0 = time.process_time(), time.time()


class Report(nnlab.callbacks.Callback):
    """Scores of G and of its EMA after every epoch (their CPU time is not counted as
    training); stops after the batch at which training's CPU time reaches the budget."""
    scoring = 0.0

    def train_cpu(self):
        return time.process_time() - c0 - self.scoring

    def on_train_batch_end(self, batch, logs=None):
        if self.train_cpu() >= args.minutes * 60:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        cpu, s0 = self.train_cpu(), time.process_time()
        print(f"epoch {epoch + 1}: train cpu {cpu:.0f} s, wall {time.time() - w0:.0f} s, "
              f"d_real {logs['d_real']:.2f}, d_fake {logs['d_fake']:.2f} | "
              f"G {score(gan.generate(1000).numpy())[0]} | "
              f"EMA {score(ema.generate(1000).numpy())[0]}", flush=True)
        self.scoring += time.process_time() - s0


report = Report()
gan.fit(x, epochs=args.epochs, batch_size=args.batch, verbose=0, callbacks=[ema, report])
print(f"train: {report.train_cpu():.0f} s CPU (one thread; + {report.scoring:.0f} s scoring), "
      f"{time.time() - w0:.0f} s wall")

torch.manual_seed(1)  # fresh samples, not the ones scored during training
for name, fake in (("G", gan.generate(1000)), ("EMA", ema.generate(1000))):
    text, s = score(fake.numpy())
    print(f"DCGAN {name}, 1000 samples: {text}, counts {s['class_counts'].tolist()}")
if args.out:
    save_grid(ema.generate(64), f"{args.out}/{args.name}_samples.png", ncols=8, value_range=(-1, 1))
    zs = torch.randn(6, 2, 100)
    t = torch.linspace(0, 1, 10)[:, None]
    rows = torch.cat([ema.generate((1 - t) * a + t * b) for a, b in zs])
    save_grid(rows, f"{args.out}/{args.name}_interpolation.png", value_range=(-1, 1))
