"""Images from gradients with EfficientNet-Lite0 (ImageNet): class visualisation
(Simonyan; Yosinski's regularisers), feature inversion (Mahendran & Vedaldi) and DeepDream,
on the shipped photos. Prints the figures the docs quote.

    python examples/interpret_synthesis.py --out docs/img/interpret --steps 200
"""
import argparse
import os
import time

import numpy as np
import torch

from nnlab import zoo
from nnlab.data import load_photos
from nnlab.interpret import (class_visualization, deep_dream, feature_inversion, fit_image,
                             image_grid)
from nnlab.zoo.efficientnet import preprocess_input
from nnlab.zoo.imagenet_classes import decode_predictions

parser = argparse.ArgumentParser()
parser.add_argument("--out", default="interpret_pictures")
parser.add_argument("--steps", type=int, default=200)
parser.add_argument("--size", type=int, default=112)
args = parser.parse_args()
os.makedirs(args.out, exist_ok=True)
out = lambda name: os.path.join(args.out, name)  # noqa: E731
show = lambda x: (x[0].numpy() + 1) / 2           # model input [-1, 1] -> [0, 1]  # noqa: E731

model = zoo.create("efficientnet_lite0", weights="imagenet", input_shape=(None, None, 3)).eval()
for p in model.parameters():
    p.requires_grad_(False)
photos = load_photos()

pictures = []
for target in (130, 963, 945):          # flamingo, pizza, bell pepper
    t0 = time.time()
    image, logits = class_visualization(model, target, (args.size, args.size, 3),
                                        steps=args.steps)
    probs = model(image).softmax(-1)
    name = decode_predictions(probs.numpy(), top=1)[0][0][1]
    print(f"class {target}: logit {logits[0]:.2f} -> {logits[-1]:.2f} in {args.steps} steps "
          f"(p = {float(probs[0, target]):.3f}, top-1 {name}), {time.time() - t0:.0f} s")
    pictures.append(np.clip(show(image), 0, 1))
image_grid(pictures, ncols=3, pad=4, scale_each=False, path=out("class_visualization.png"))

coffee = preprocess_input(torch.from_numpy(fit_image(photos["coffee"], args.size))[None])
recons = [np.clip(show(coffee), 0, 1)]
for layer in ("block2a_expand_activation", "block4a_expand_activation",
              "block6a_expand_activation"):
    t0 = time.time()
    recon, dist = feature_inversion(model, coffee, layer, steps=args.steps)
    print(f"inversion {layer}: relative feature distance {dist[0]:.3f} -> {dist[-1]:.3f} "
          f"({100 * (1 - dist[-1] / dist[0]):.1f}% lower), {time.time() - t0:.0f} s")
    recons.append(np.clip(show(recon), 0, 1))
image_grid(recons, ncols=4, pad=4, scale_each=False, path=out("feature_inversion.png"))

sky = preprocess_input(torch.from_numpy(fit_image(photos["china"], 2 * args.size))[None])
t0 = time.time()
dream, history = deep_dream(model, sky, "block5a_expand_activation", octaves=3, steps=10)
print(f"deep dream: objective {history['activation'][0]:.3f} -> "
      f"{history['activation'][-1]:.3f}, {time.time() - t0:.0f} s")
image_grid([np.clip(show(sky), 0, 1), np.clip(show(dream), 0, 1)], ncols=2, pad=4,
           scale_each=False, path=out("deep_dream.png"))
