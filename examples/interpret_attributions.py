"""Attributions and learned features of EfficientNet-Lite0 (ImageNet) on the shipped
photos: saliency, guided backprop, Grad-CAM, integrated gradients, occlusion, first-layer
filters, activation maps, maximally activating patches, nearest neighbours and t-SNE.

    python examples/interpret_attributions.py --out docs/img/interpret
"""
import argparse
import os
import time

import numpy as np
import torch

from nnlab import zoo
from nnlab.data import load_photos
from nnlab.interpret import (GradCAM, GuidedBackprop, IntegratedGradients, Occlusion, Saliency,
                             activation_maps, embed_features, first_layer_filters, fit_image,
                             heatmap_overlay, image_grid, maximally_activating_patches,
                             nearest_neighbours, plot_embedding, saliency_map)
from nnlab.zoo.efficientnet import decode_predictions, preprocess_input

parser = argparse.ArgumentParser()
parser.add_argument("--out", default="interpret_pictures")
parser.add_argument("--tile", type=int, default=96, help="tile size for the feature maps")
args = parser.parse_args()
os.makedirs(args.out, exist_ok=True)
out = lambda name: os.path.join(args.out, name)  # noqa: E731

model = zoo.create("efficientnet_lite0", weights="imagenet", input_shape=(None, None, 3)).eval()
for p in model.parameters():
    p.requires_grad_(False)
photos = load_photos()
cat = fit_image(photos["chelsea"], 224)                       # (224, 224, 3) pixels
x = preprocess_input(torch.from_numpy(cat)[None])             # (1, 224, 224, 3)
top = int(model(x).argmax())
print("prediction:", decode_predictions(model(x).softmax(-1).numpy(), top=3)[0])

rows, t0 = [], time.time()
maps = {"saliency": saliency_map(Saliency(model).attribute(x, target=top))[0],
        "guided backprop": saliency_map(GuidedBackprop(model).attribute(x, target=top))[0],
        "Grad-CAM": GradCAM(model, "top_activation").attribute(x, target=top)[0, ..., 0],
        "integrated gradients": saliency_map(IntegratedGradients(model).attribute(
            x, target=top, n_steps=16, internal_batch_size=8))[0],
        "occlusion": Occlusion(model).attribute(x, sliding_window_shapes=(48, 48),
                                                strides=(24, 24), target=top)[0].mean(-1)}
print(f"attributions: {time.time() - t0:.1f} s")
for name, m in maps.items():
    m = m.numpy()
    rows.append(np.minimum(m, np.percentile(m, 99)) if name in ("saliency", "guided backprop")
                else heatmap_overlay(cat, m))
image_grid([cat / 255] + rows, ncols=6, pad=4, path=out("attributions_cat.png"), max_side=840)

first_layer_filters(model, path=out("filters_stem.png"))
activation_maps(model, x, "block2a_expand_activation", max_channels=32,
                path=out("activations_block2a.png"))

# a small "dataset": 4 tiles of every shipped photo
tiles = np.stack([fit_image(fit_image(p, 4 * args.tile)[r:r + 2 * args.tile,
                                                         c:c + 2 * args.tile], args.tile)
                  for p in photos.values() for r in range(0, 4 * args.tile, 2 * args.tile)
                  for c in range(0, 4 * args.tile, 2 * args.tile)])
tiles_x = preprocess_input(torch.from_numpy(tiles))
patches, values, _ = maximally_activating_patches(
    model, tiles_x, "block3a_expand_conv", channel=10, k=16, display_images=tiles / 255)
image_grid([np.kron(p, np.ones((4, 4, 1))) for p in patches], ncols=8, pad=4,   # 4x larger
           scale_each=False, path=out("max_patches_block3a_ch10.png"))
print("top activations, block3a_expand_conv channel 10:", np.round(values, 2))

feats = torch.cat([activation_maps(model, tiles_x[i:i + 16], "top_activation").mean((1, 2))
                   for i in range(0, len(tiles_x), 16)])
for metric in ("l2", "cosine"):
    idx = nearest_neighbours(feats, feats[:4], k=5, metric=metric)
    image_grid([tiles[j] / 255 for row in idx for j in row], ncols=5, pad=2,
               path=out(f"neighbours_{metric}.png"), max_side=400)
coords = embed_features(feats, method="tsne")
plot_embedding(coords, [t[::3, ::3] / 255 for t in tiles], size=7, zoom=1.0,
               path=out("tsne_tiles.png"))
print(f"total {time.time() - t0:.1f} s")
