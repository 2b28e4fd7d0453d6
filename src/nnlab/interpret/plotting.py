"""Pictures: tensors to displayable arrays, grids, heat-map overlays, PNG writing.

Everything returns numpy arrays (``(H, W, 3)`` float in [0, 1] unless said otherwise);
a PNG is written only when ``path=`` is given, with matplotlib's Agg backend (the
``plot`` extra), so nothing ever opens a window.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np
import torch


def to_numpy(image, data_format: str = "channels_last") -> np.ndarray:
    """One image (tensor or array, ``(H, W, C)``, ``(C, H, W)`` or ``(H, W)``) as a float
    ``(H, W, C)`` / ``(H, W)`` numpy array."""
    if isinstance(image, torch.Tensor):
        image = image.detach().float().cpu().numpy()
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 3 and data_format == "channels_first":
        image = image.transpose(1, 2, 0)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    return image


def normalize(image, data_format: str = "channels_last") -> np.ndarray:
    """Min-max scale one image to [0, 1] (a constant image becomes 0)."""
    a = to_numpy(image, data_format)
    lo, hi = float(a.min()), float(a.max())
    return (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)


def image_grid(images: Sequence, ncols: Optional[int] = None, pad: int = 1,
               scale_each: bool = True, data_format: str = "channels_last",
               path: Optional[str] = None, cmap: Optional[str] = None,
               max_side: Optional[int] = None) -> np.ndarray:
    """Tile images into one ``(rows * (h + pad) - pad, cols * (w + pad) - pad[, C])`` array,
    each min-max scaled to [0, 1] (``scale_each=False``: jointly). Padding is white."""
    arrays = [to_numpy(im, data_format) for im in images]
    if not arrays:
        raise ValueError("image_grid needs at least one image")
    if not scale_each:
        lo = min(float(a.min()) for a in arrays)
        hi = max(float(a.max()) for a in arrays)
        arrays = [(a - lo) / (hi - lo) if hi > lo else np.zeros_like(a) for a in arrays]
    else:
        arrays = [normalize(a) for a in arrays]
    if any(a.ndim == 3 for a in arrays):          # mixed grey and colour: grey -> RGB
        arrays = [a if a.ndim == 3 else np.repeat(a[..., None], 3, axis=2) for a in arrays]
    n = len(arrays)
    ncols = ncols or int(math.ceil(math.sqrt(n)))
    nrows = int(math.ceil(n / ncols))
    h = max(a.shape[0] for a in arrays)
    w = max(a.shape[1] for a in arrays)
    channels = arrays[0].shape[2:] if arrays[0].ndim == 3 else ()
    grid = np.ones((nrows * (h + pad) - pad, ncols * (w + pad) - pad) + channels, np.float32)
    for i, a in enumerate(arrays):
        r, c = divmod(i, ncols)
        grid[r * (h + pad):r * (h + pad) + a.shape[0], c * (w + pad):c * (w + pad) + a.shape[1]] = a
    if path is not None:
        save_png(grid, path, cmap=cmap, max_side=max_side)
    return grid


def heatmap_overlay(image, heatmap, alpha: float = 0.5, cmap: str = "jet",
                    path: Optional[str] = None) -> np.ndarray:
    """``image`` (``(H, W, 3)``, any range) blended with a colour-mapped ``heatmap``
    (``(H, W)``, scaled to [0, 1]): ``(1 - alpha) * image + alpha * cmap(heatmap)``."""
    from matplotlib import colormaps
    base = normalize(image)
    heat = normalize(heatmap)
    if heat.shape != base.shape[:2]:
        raise ValueError(f"heatmap {heat.shape} and image {base.shape[:2]} differ in size")
    coloured = colormaps[cmap](heat)[..., :3].astype(np.float32)
    out = (1 - alpha) * base + alpha * coloured
    if path is not None:
        save_png(out, path)
    return out


def save_png(array: np.ndarray, path: str, cmap: Optional[str] = None,
             max_side: Optional[int] = None, colors: Optional[int] = 256) -> str:
    """Write ``array`` (``(H, W)`` or ``(H, W, 3)``, [0, 1]) as a PNG, no window opened.

    ``max_side`` shrinks it (antialiased) so the longer side fits; ``colors`` quantises to
    a palette of that many colours (Pillow, which matplotlib depends on), which keeps
    photo-like figures small; ``None`` writes full colour with matplotlib's writer.
    """
    a = np.clip(np.asarray(array, dtype=np.float32), 0, 1)
    if max_side is not None and max(a.shape[:2]) > max_side:
        f = max_side / max(a.shape[:2])
        t = torch.from_numpy(a if a.ndim == 3 else a[..., None]).permute(2, 0, 1)[None]
        t = torch.nn.functional.interpolate(t, size=(max(1, round(a.shape[0] * f)),
                                                     max(1, round(a.shape[1] * f))),
                                            mode="bilinear", antialias=True)
        a = t[0].permute(1, 2, 0).numpy()
        a = np.clip(a if np.ndim(array) == 3 else a[..., 0], 0, 1)
    if a.ndim == 2:
        from matplotlib import colormaps
        a = colormaps[cmap or "gray"](a)[..., :3]
    if colors is None:
        import matplotlib.image as mpimg
        mpimg.imsave(path, a)
        return path
    from PIL import Image
    rgb = Image.fromarray((a * 255 + 0.5).astype(np.uint8), mode="RGB")
    rgb.quantize(colors=colors, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    return path


def figure_to_array(fig) -> np.ndarray:
    """A matplotlib figure rendered to ``(H, W, 3)`` float in [0, 1]."""
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba(), dtype=np.float32) / 255.0
    return rgba[..., :3].copy()


def fit_image(image, size: int) -> np.ndarray:
    """Resize an ``(H, W, 3)`` photo so its short side is ``size`` (bilinear, antialiased)
    and crop the centre: float32 ``(size, size, 3)``, same value range as the input."""
    a = np.asarray(image, dtype=np.float32)
    if a.ndim != 3 or a.shape[-1] != 3:
        raise ValueError(f"fit_image expects an (H, W, 3) image, got shape {a.shape}")
    t = torch.from_numpy(a).permute(2, 0, 1)[None]
    h, w = t.shape[2:]
    scale = size / min(h, w)
    t = torch.nn.functional.interpolate(t, size=(max(size, round(h * scale)),
                                                 max(size, round(w * scale))),
                                        mode="bilinear", align_corners=False, antialias=True)
    top, left = (t.shape[2] - size) // 2, (t.shape[3] - size) // 2
    out = t[0, :, top:top + size, left:left + size].permute(1, 2, 0)
    return np.ascontiguousarray(out.clamp(float(a.min()), float(a.max())).numpy())
