"""Neural style transfer (Gatys et al.), texture synthesis and fast style transfer
(Johnson et al.) with EfficientNet-Lite0's ImageNet features as the loss network, on the
shipped photos: the cat in the style of a stained tissue slide.

    python examples/style_transfer.py --out docs/img/interpret --steps 60 --train-seconds 240
"""
import argparse
import os
import time

import numpy as np
import torch

from nnlab import zoo
from nnlab.data import load_photos
from nnlab.interpret import (fit_image, image_grid, save_png, style_transfer,
                             texture_synthesis, train_fast_style)

parser = argparse.ArgumentParser()
parser.add_argument("--out", default="style_pictures")
parser.add_argument("--steps", type=int, default=60)
parser.add_argument("--size", type=int, default=192)
parser.add_argument("--train-seconds", type=float, default=120)
args = parser.parse_args()
os.makedirs(args.out, exist_ok=True)
out = lambda name: os.path.join(args.out, name)  # noqa: E731
torch.manual_seed(0)

model = zoo.create("efficientnet_lite0", weights="imagenet", input_shape=(None, None, 3)).eval()
for p in model.parameters():
    p.requires_grad_(False)
photos = load_photos()
pixels = lambda name, size: torch.from_numpy(fit_image(photos[name], size) / 255)[None].float()  # noqa: E731
cat, style = pixels("chelsea", args.size), pixels("immunohistochemistry", args.size)

image, h = style_transfer(model, cat, style, steps=args.steps)          # L-BFGS
print(f"style transfer {args.size}px: style loss {h['style'][0]:.1f} -> {h['style'][-1]:.1f} "
      f"({100 * (1 - h['style'][-1] / h['style'][0]):.1f}% lower), content loss "
      f"{h['content'][-1]:.3f} (relative), {h['seconds_per_step'][0]:.2f} s/iteration")
_, h256 = style_transfer(model, pixels("chelsea", 256), pixels("immunohistochemistry", 256),
                         steps=5)
print(f"256x256: {h256['seconds_per_step'][0]:.2f} s per L-BFGS iteration")
image_grid([cat[0], style[0], image[0]], ncols=3, pad=4, scale_each=False,
           path=out("style_transfer.png"))

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
fig = Figure(figsize=(6, 3), dpi=80)
FigureCanvasAgg(fig)
ax = fig.add_subplot(111)
ax.semilogy(h["style"], label="style (weighted)")
ax.semilogy(np.maximum(h["content"], 1e-4), label="content (relative)")
ax.set_xlabel("L-BFGS iteration")
ax.legend()
fig.tight_layout()
fig.savefig(out("style_loss_curve.png"))

texture, ht = texture_synthesis(model, pixels("immunohistochemistry", 128), steps=args.steps)
print(f"texture synthesis 128px: style loss {ht['style'][0]:.1f} -> {ht['style'][-1]:.1f}")
image_grid([pixels("immunohistochemistry", 128)[0], texture[0]], ncols=2, pad=4,
           scale_each=False, path=out("texture_synthesis.png"))

train = [torch.from_numpy(photos[k] / 255).float()
         for k in ("astronaut", "coffee", "rocket", "china", "flower")]
net, hf = train_fast_style(model, pixels("immunohistochemistry", 128), train, steps=100000,
                           batch_size=2, image_size=128, time_limit=args.train_seconds)
n = len(hf["total"])
print(f"fast style: {n} steps in {hf['seconds'][0]:.0f} s, loss {np.mean(hf['total'][:10]):.1f}"
      f" -> {np.mean(hf['total'][-10:]):.1f}")
new = pixels("chelsea", 256)                      # never seen in training
times = []
with torch.no_grad():
    for _ in range(4):                            # the first call warms up
        start = time.perf_counter()
        fast = net(new)
        times.append(time.perf_counter() - start)
print(f"stylising a new 256x256 photo: best {min(times[1:]):.3f} s, "
      f"median {np.median(times[1:]):.3f} s of 3")
save_png(image_grid([new[0], fast[0]], ncols=2, pad=4, scale_each=False),
         out("fast_style_transfer.png"))
