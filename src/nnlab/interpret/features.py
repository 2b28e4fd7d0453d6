"""What a network learned: first-layer filters, activation maps, maximally activating
patches, nearest neighbours in feature space, and t-SNE / PCA maps of the features drawn
with thumbnails (CS231n lecture 12; Zeiler & Fergus 2014; Krizhevsky et al. 2012 Fig. 4;
van der Maaten & Hinton 2008).
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn

from ._common import channel_axis, data_format_of, is_nnlab, resolve_layer
from .capture import LayerOutputs
from .plotting import figure_to_array, image_grid, save_png, to_numpy


def first_layer_filters(model: nn.Module, layer: Union[None, str, nn.Module] = None,
                        ncols: Optional[int] = None, path: Optional[str] = None) -> np.ndarray:
    """The first convolution's kernels as an image grid (each filter min-max scaled).

    Kernels are read in torch's ``(out, in, kh, kw)`` layout (nnlab stores them so too);
    3-channel filters are drawn in colour, others as their channel mean.
    Returns ``(rows * (kh + 1) - 1, cols * (kw + 1) - 1[, 3])`` in [0, 1].
    """
    if layer is None:
        conv = next((m for m in model.modules() if _kernel(m) is not None), None)
        if conv is None:
            raise ValueError(f"{type(model).__name__} has no convolution with a 4-D kernel")
    else:
        conv = resolve_layer(model, layer)
    w = _kernel(conv)
    if w is None:
        raise ValueError(f"layer {layer!r} has no 4-D convolution kernel")
    w = w.detach().float().cpu()
    tiles = [k.permute(1, 2, 0) if k.shape[0] == 3 else k.mean(0) for k in w]
    grid = image_grid(tiles, ncols=ncols, pad=1)
    if path is not None:
        save_png(grid, path)
    return grid


def _kernel(module: nn.Module) -> Optional[torch.Tensor]:
    for name in ("kernel", "weight"):
        w = getattr(module, name, None)
        if isinstance(w, torch.Tensor) and w.dim() == 4:
            return w
    return None


def activation_maps(model: nn.Module, inputs: torch.Tensor, layer: Union[str, nn.Module],
                    data_format: Optional[str] = None, max_channels: int = 64,
                    path: Optional[str] = None, max_side: Optional[int] = 400) -> torch.Tensor:
    """The output of ``layer`` for ``inputs`` (one forward pass, stopped after the layer).

    Returns the layer's output tensor, e.g. ``(batch, h, w, k)``; with ``path=`` a grid
    of the first sample's first ``max_channels`` maps is written.
    """
    with torch.no_grad():
        (out,) = LayerOutputs(model, [layer])(inputs)
    if path is not None:
        axis = channel_axis(data_format_of(model, data_format))
        first = out[0].movedim(axis if axis == -1 else 0, 0)[:max_channels]
        image_grid(list(first), pad=1, path=path, cmap="viridis", max_side=max_side)
    return out


def layer_receptive_field(model: nn.Module, layer: Union[str, nn.Module]
                          ) -> Tuple[int, int, float]:
    """``(size, jump, start)`` along height of ``layer``'s receptive field in an nnlab
    model, from :func:`nnlab.analysis.receptive_field`'s recurrence."""
    from ..analysis.receptive_field import receptive_field_per_call
    name = layer if isinstance(layer, str) else getattr(layer, "name", None)
    resolve_layer(model, layer)
    rows = [r for r in receptive_field_per_call(model) if r is not None and r.name == name]
    if not rows:
        raise ValueError(f"no receptive field for layer {name!r}; pass "
                         f"receptive_field=(size, jump, start)")
    row = rows[-1]
    return int(row.size[0]), int(row.jump[0]), float(row.start[0])


def maximally_activating_patches(model: nn.Module, images: torch.Tensor,
                                 layer: Union[str, nn.Module], channel: int, k: int = 9,
                                 display_images: Optional[np.ndarray] = None,
                                 receptive_field: Optional[Tuple[int, int, float]] = None,
                                 batch_size: int = 32, data_format: Optional[str] = None,
                                 path: Optional[str] = None):
    """The ``k`` image patches that drive ``channel`` of ``layer`` hardest over a dataset.

    Each activation at ``(i, j)`` sees the input window centred at ``start + (i, j) *
    jump`` of side ``size`` (its receptive field, computed by :mod:`nnlab.analysis` for
    nnlab models; pass ``receptive_field=(size, jump, start)`` for other modules).

    Args:
        images: ``(N, H, W, C)`` (or channels first) preprocessed model inputs.
        display_images: the same images for drawing (e.g. uint8 pixels), default ``images``.

    Returns: ``(patches, activations, locations)``: ``(k, size, size, C)`` float arrays
    (zero where the field leaves the image), the ``k`` activation values, and
    ``(image index, row, col)`` of each.
    """
    fmt = data_format_of(model, data_format)
    axis = channel_axis(fmt)
    if receptive_field is None:
        if not is_nnlab(model):
            raise ValueError("receptive_field=(size, jump, start) is needed for a model that "
                             "is not an nnlab model")
        receptive_field = layer_receptive_field(model, layer)
    size, jump, start = receptive_field
    capture = LayerOutputs(model, [layer])
    values: List[torch.Tensor] = []
    with torch.no_grad():
        for i in range(0, images.shape[0], batch_size):
            (out,) = capture(images[i:i + batch_size])
            if not 0 <= channel < out.shape[axis]:
                raise ValueError(f"channel must be in [0, {out.shape[axis] - 1}] for layer "
                                 f"{layer!r} ({out.shape[axis]} channels), got {channel}")
            values.append(out.select(axis, channel))                # (b, h, w)
    acts = torch.cat(values)
    n, h, w = acts.shape
    top = acts.reshape(-1).topk(min(k, acts.numel()))
    shown = display_images if display_images is not None else images
    shown = to_numpy(shown) if isinstance(shown, torch.Tensor) else np.asarray(shown, np.float32)
    if fmt == "channels_first":
        shown = shown.transpose(0, 2, 3, 1)
    patches, locations = [], []
    for flat in top.indices.tolist():
        idx, rem = divmod(flat, h * w)
        r, c = divmod(rem, w)
        cy, cx = start + r * jump, start + c * jump
        y0, x0 = int(round(cy - (size - 1) / 2)), int(round(cx - (size - 1) / 2))
        patch = np.zeros((size, size, shown.shape[-1]), np.float32)
        ys, xs = max(y0, 0), max(x0, 0)
        ye, xe = min(y0 + size, shown.shape[1]), min(x0 + size, shown.shape[2])
        patch[ys - y0:ye - y0, xs - x0:xe - x0] = shown[idx, ys:ye, xs:xe]
        patches.append(patch)
        locations.append((idx, r, c))
    result = np.stack(patches)
    if path is not None:
        image_grid(list(result), path=path)
    return result, top.values.numpy(), locations


def nearest_neighbours(features, queries=None, k: int = 5, metric: str = "l2") -> np.ndarray:
    """Indices ``(n_queries, k)`` of each query's ``k`` nearest rows of ``features``
    (``(N, D)``), by ``'l2'`` or ``'cosine'`` distance (scikit-learn's NearestNeighbors,
    brute force). With ``queries=None`` every row is a query and itself is left out."""
    from sklearn.neighbors import NearestNeighbors
    if metric not in ("l2", "cosine"):
        raise ValueError(f"metric must be 'l2' or 'cosine', got {metric!r}")
    feats = _as_2d(features, "features")
    self_query = queries is None
    q = feats if self_query else _as_2d(queries, "queries")
    if q.shape[1] != feats.shape[1]:
        raise ValueError(f"queries have {q.shape[1]} features, features {feats.shape[1]}")
    if not 0 < k + self_query <= feats.shape[0]:
        raise ValueError(f"k must be in [1, {feats.shape[0] - self_query}], got {k}")
    nn_ = NearestNeighbors(n_neighbors=k + self_query, metric="euclidean" if metric == "l2"
                           else "cosine", algorithm="brute").fit(feats)
    idx = nn_.kneighbors(q, return_distance=False)
    if self_query:   # drop each row itself (ties may put it second)
        idx = np.stack([[j for j in row if j != i][:k] for i, row in enumerate(idx)])
    return idx


def _as_2d(x, name: str) -> np.ndarray:
    a = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
    if a.ndim != 2:
        a = a.reshape(a.shape[0], -1)
    return a.astype(np.float32)


def embed_features(features, method: str = "tsne", seed: int = 0,
                   perplexity: float = 30.0, **tsne_options) -> np.ndarray:
    """2-D coordinates ``(N, 2)`` of ``features`` (``(N, D)``): scikit-learn's TSNE
    (perplexity clipped below N; ``tsne_options`` go to ``sklearn.manifold.TSNE``, e.g.
    ``max_iter``) or PCA."""
    feats = _as_2d(features, "features")
    if method == "pca":
        from sklearn.decomposition import PCA
        return PCA(n_components=2, random_state=seed).fit_transform(feats)
    if method == "tsne":
        from sklearn.manifold import TSNE
        return TSNE(n_components=2, random_state=seed, init="pca",
                    perplexity=min(perplexity, max(1.0, (feats.shape[0] - 1) / 3)),
                    **tsne_options).fit_transform(feats)
    raise ValueError(f"method must be 'tsne' or 'pca', got {method!r}")


def plot_embedding(coords: np.ndarray, thumbnails: Sequence, size: float = 8.0,
                   zoom: float = 1.0, path: Optional[str] = None) -> np.ndarray:
    """Draw ``thumbnails`` (images ``(h, w[, 3])``) at their 2-D ``coords``; returns the
    figure as an ``(H, W, 3)`` array (and writes a PNG with ``path=``)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.offsetbox import AnnotationBbox, OffsetImage
    coords = np.asarray(coords, dtype=np.float32)
    if len(coords) != len(thumbnails):
        raise ValueError(f"{len(coords)} coordinates but {len(thumbnails)} thumbnails")
    fig = Figure(figsize=(size, size), dpi=80)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(111)
    ax.scatter(coords[:, 0], coords[:, 1], s=1, alpha=0)
    for (x, y), thumb in zip(coords, thumbnails):
        img = np.clip(to_numpy(thumb), 0, None)
        img = img / img.max() if img.max() > 1 else img
        ax.add_artist(AnnotationBbox(OffsetImage(img, zoom=zoom, cmap="gray"), (x, y),
                                     frameon=False))
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    if path is not None:
        fig.savefig(path)
    return figure_to_array(fig)
