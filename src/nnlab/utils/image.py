"""Image files and arrays with Keras' names: ``load_img``, ``img_to_array``, ``array_to_img``,
``save_img``. Pillow does the decoding (it is installed with matplotlib); without it, each
function raises an ImportError saying what to install.

Arrays are ``(height, width, channels)`` float32 (channels_last) or ``(channels, height,
width)`` with ``data_format="channels_first"``.
"""
from __future__ import annotations

import os
from typing import Any, Optional, Tuple

import numpy as np

_MODES = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}
_RESAMPLE = {"nearest": 0, "lanczos": 1, "bilinear": 2, "bicubic": 3, "box": 4, "hamming": 5}


def _pil():
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with matplotlib here
        raise ImportError("nnlab.utils image functions need Pillow: pip install pillow "
                          "(it also comes with matplotlib: pip install 'nnlab[plot]')") from None
    return Image


def _data_format(data_format: Optional[str]) -> str:
    from ..config import image_data_format
    fmt = data_format or image_data_format()
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', got {fmt!r}")
    return fmt


def load_img(path: Any, color_mode: str = "rgb", target_size: Optional[Tuple[int, int]] = None,
             interpolation: str = "nearest", keep_aspect_ratio: bool = False):
    """Load an image file as a PIL image (``keras.utils.load_img``).

    Args:
        path: file path (str or ``pathlib.Path``).
        color_mode: ``"rgb"``, ``"grayscale"`` or ``"rgba"``.
        target_size: ``(height, width)`` to resize to, or ``None``.
        interpolation: ``"nearest"`` (Keras' default), ``"bilinear"``, ``"bicubic"``,
            ``"lanczos"``, ``"box"``, ``"hamming"``.
        keep_aspect_ratio: crop the centre to the target's aspect ratio before resizing.

    Raises:
        ValueError: unknown ``color_mode`` or ``interpolation``.
        FileNotFoundError: no such file.
    """
    if color_mode not in _MODES:
        raise ValueError(f"load_img: color_mode must be one of {sorted(_MODES)}, got "
                         f"{color_mode!r}")
    if interpolation not in _RESAMPLE:
        raise ValueError(f"load_img: interpolation must be one of {sorted(_RESAMPLE)}, got "
                         f"{interpolation!r}")
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load_img: no image file at {path!r}")
    Image = _pil()
    with open(path, "rb") as f:
        img = Image.open(f)
        img.load()
    if img.mode != _MODES[color_mode]:
        img = img.convert(_MODES[color_mode])
    if target_size is not None:
        height, width = (int(v) for v in target_size)
        if (img.size[0], img.size[1]) != (width, height):
            box = _centre_box(img.size[0], img.size[1], width, height) \
                if keep_aspect_ratio else None
            img = img.resize((width, height), _RESAMPLE[interpolation], box=box)
    return img


def _centre_box(w: int, h: int, target_w: int, target_h: int):
    """The largest centred box of the target's aspect ratio (Keras' integer arithmetic)."""
    crop_h, crop_w = min(h, (w * target_h) // target_w), min(w, (h * target_w) // target_h)
    left, top = (w - crop_w) // 2, (h - crop_h) // 2
    return left, top, left + crop_w, top + crop_h


def img_to_array(img: Any, data_format: Optional[str] = None, dtype: Any = "float32"
                 ) -> np.ndarray:
    """PIL image -> ``(H, W, C)`` array (``(C, H, W)`` in channels_first); grayscale gets C=1."""
    fmt = _data_format(data_format)
    x = np.asarray(img, dtype=dtype or "float32")
    if x.ndim == 2:
        x = x[..., None]
    if x.ndim != 3:
        raise ValueError(f"img_to_array: expected a 2-D or 3-D image, got shape {x.shape}")
    return x.transpose(2, 0, 1) if fmt == "channels_first" else x


def array_to_img(x: Any, data_format: Optional[str] = None, scale: bool = True,
                 dtype: Any = None):
    """``(H, W, C)`` array (C = 1, 3 or 4) -> PIL image; ``scale`` maps the array's
    [min, max] to [0, 255] as Keras does."""
    fmt = _data_format(data_format)
    x = np.asarray(x.detach().cpu() if hasattr(x, "detach") else x, dtype="float32")
    if x.ndim != 3:
        raise ValueError(f"array_to_img: expected a 3-D image array (height, width, channels), "
                         f"got shape {x.shape}")
    if fmt == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - x.min()
        peak = x.max()
        if peak != 0:
            x = x / peak
        x = x * 255
    modes = {1: "L", 3: "RGB", 4: "RGBA"}
    if x.shape[2] not in modes:
        raise ValueError(f"array_to_img: channels must be 1, 3 or 4, got {x.shape[2]}")
    x = np.clip(x, 0, 255).astype("uint8")
    return _pil().fromarray(x[:, :, 0] if x.shape[2] == 1 else x, modes[x.shape[2]])


def save_img(path: Any, x: Any, data_format: Optional[str] = None, file_format: Optional[str] = None,
             scale: bool = True, **kwargs: Any) -> None:
    """Write an image array to ``path`` (format from the suffix or ``file_format``)."""
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and (file_format or str(path)).lower().endswith(("jpg", "jpeg")):
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)
