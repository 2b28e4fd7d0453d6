"""Texture synthesis and neural style transfer (Gatys, Ecker and Bethge, "Texture
Synthesis Using Convolutional Neural Networks", NIPS 2015; "Image Style Transfer Using
Convolutional Neural Networks", CVPR 2016)::

    G^l        = F^l F^l^T / (C_l H_l W_l)          Gram matrix of layer l's C_l maps
    L_style    = sum_l w_l ||G^l(x) - G^l(s)||^2
    L_content  = w_c ||F^c(x) - F^c(c)||^2 / ||F^c(c)||^2
    L_tv       = w_tv TV(x)
    x*         = argmin_x L_content + L_style + L_tv    (L-BFGS or Adam on the pixels)

Images are pixels in [0, 1] in the loss network's layout (``(1, H, W, 3)`` channels_last
by default); ``preprocess`` maps pixels to the network's input (e.g.
:func:`efficientnet_pixels`). Any ``nn.Module`` can be the loss network; the docs use
EfficientNet-Lite0's ImageNet weights, the only pretrained network shipped here.
"""
from __future__ import annotations

import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import torch
from torch import nn

from ._common import channel_axis, check_image_size, data_format_of
from ._image_ops import total_variation
from .capture import LayerOutputs

Preprocess = Optional[Callable[[torch.Tensor], torch.Tensor]]

#: EfficientNet-Lite0 layers the docs use: early ReLU6 outputs (112, 112, 56, 28, 14 px
#: at 224 input) for style, block 4's expansion for content
EFFICIENTNET_STYLE_LAYERS = ("stem_activation", "block2a_expand_activation",
                             "block3a_expand_activation", "block4a_expand_activation",
                             "block5a_expand_activation")
EFFICIENTNET_CONTENT_LAYER = "block4a_expand_activation"


def efficientnet_pixels(x: torch.Tensor) -> torch.Tensor:
    """Pixels in [0, 1] -> EfficientNet-Lite0's input ``(255 x - 127) / 128``."""
    return (x * 255.0 - 127.0) / 128.0


def gram_matrix(features: torch.Tensor, data_format: str = "channels_last",
                normalize: bool = True) -> torch.Tensor:
    """``(N, H, W, C)`` (or ``(N, C, H, W)``) -> ``(N, C, C)``: ``F F^T``, divided by
    ``C * H * W`` when ``normalize``."""
    if features.dim() != 4:
        raise ValueError(f"gram_matrix expects (N, H, W, C) or (N, C, H, W) features, got "
                         f"{tuple(features.shape)}")
    f = features.movedim(channel_axis(data_format), 1)
    n, c = f.shape[:2]
    f = f.reshape(n, c, -1)
    g = f @ f.transpose(1, 2)
    return g / f[0].numel() if normalize else g


class StyleLoss(nn.Module):
    """Content, style and TV losses of an image against fixed content and style images.

    ``StyleLoss(model, content_layer, style_layers, content, style)(x)`` -> dict with
    ``'content'``, ``'style'``, ``'tv'`` and ``'total'`` (weighted) scalars.
    """

    def __init__(self, model: nn.Module, content_layer: Optional[str],
                 style_layers: Sequence[str], content: Optional[torch.Tensor],
                 style: torch.Tensor, content_weight: float = 1.0,
                 style_weights: Union[float, Sequence[float]] = 1e3, tv_weight: float = 1e-4,
                 preprocess: Preprocess = None, data_format: Optional[str] = None) -> None:
        super().__init__()
        self.fmt = data_format_of(model, data_format)
        check_image_size(model, {"content": content, "style": style},
                         "StyleLoss (style transfer, texture synthesis)", self.fmt)
        self.preprocess = preprocess or (lambda t: t)
        self.style_layers = list(style_layers)
        if not self.style_layers:
            raise ValueError("style_layers must name at least one layer")
        if isinstance(style_weights, (int, float)):
            style_weights = [float(style_weights)] * len(self.style_layers)
        if len(style_weights) != len(self.style_layers):
            raise ValueError(f"{len(style_weights)} style_weights for "
                             f"{len(self.style_layers)} style_layers")
        self.style_weights = list(style_weights)
        self.content_layer = content_layer if content is not None else None
        layers = self.style_layers + ([self.content_layer] if self.content_layer else [])
        self.capture = LayerOutputs(model, layers)
        self.content_weight, self.tv_weight = content_weight, tv_weight
        with torch.no_grad():
            feats = self.capture(self.preprocess(style))
            self.style_grams = [gram_matrix(f, self.fmt) for f in feats[:len(self.style_layers)]]
        self.set_content(content)

    def set_content(self, content: Optional[torch.Tensor]) -> None:
        """Fix the content target (a batch of images for fast style transfer)."""
        self.content_feat = None
        if self.content_layer is not None and content is not None:
            with torch.no_grad():
                self.content_feat = self.capture(self.preprocess(content))[-1]

    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        feats = self.capture(self.preprocess(x))
        style = sum(w * ((gram_matrix(f, self.fmt) - g) ** 2).sum(dim=(1, 2)).mean()
                    for w, f, g in zip(self.style_weights, feats, self.style_grams))
        if self.content_feat is not None:
            c = feats[-1]
            dims = tuple(range(1, c.dim()))     # per image, then the batch mean
            content = (((c - self.content_feat) ** 2).sum(dims)
                       / (self.content_feat ** 2).sum(dims)).mean()
        else:
            content = torch.zeros((), device=x.device)
        tv = total_variation(x, self.fmt) / x.shape[0]
        total = self.content_weight * content + style + self.tv_weight * tv
        return {"content": content, "style": style, "tv": tv, "total": total}


def style_transfer(model: nn.Module, content: Optional[torch.Tensor], style: torch.Tensor,
                   content_layer: Optional[str] = EFFICIENTNET_CONTENT_LAYER,
                   style_layers: Sequence[str] = EFFICIENTNET_STYLE_LAYERS,
                   content_weight: float = 1.0, style_weights: Union[float, Sequence[float]] = 1e3,
                   tv_weight: float = 1e-4, steps: int = 100, optimizer: str = "lbfgs",
                   learning_rate: float = 0.02, init: Optional[torch.Tensor] = None,
                   preprocess: Preprocess = efficientnet_pixels, seed: int = 0,
                   data_format: Optional[str] = None
                   ) -> Tuple[torch.Tensor, Dict[str, List[float]]]:
    """Gatys et al.'s style transfer: optimise the pixels of ``init`` (default the content
    image; noise when ``content`` is None) so its features keep ``content``'s and its
    Gram matrices match ``style``'s.

    Args:
        content, style: ``(1, H, W, 3)`` pixels in [0, 1] (sizes may differ).
        optimizer: ``'lbfgs'`` (``torch.optim.LBFGS``, one step = one closure evaluation
            budget of 1 iteration) or ``'adam'``.

    Returns: ``(image, history)``: the image with the lowest total loss seen (the last
    one unless a step made it worse: the [0, 1] clamp after each step makes the path
    non-monotone); history has the per-step ``'content'``, ``'style'``, ``'tv'``,
    ``'total'`` losses (before each step, then of the returned image) and
    ``'seconds_per_step'``.
    """
    if optimizer not in ("lbfgs", "adam"):
        raise ValueError(f"optimizer must be 'lbfgs' or 'adam', got {optimizer!r}")
    for name, img in (("content", content), ("style", style)):
        if img is not None and (img.dim() != 4 or float(img.min()) < -1e-3
                                or float(img.max()) > 1 + 1e-3):
            raise ValueError(f"{name} must be a (1, H, W, 3) image of pixels in [0, 1], got "
                             f"shape {tuple(img.shape)} range [{float(img.min()):.3g}, "
                             f"{float(img.max()):.3g}]")
    loss_fn = StyleLoss(model, content_layer, style_layers, content, style, content_weight,
                        style_weights, tv_weight, preprocess, data_format)
    if init is None:
        if content is not None:
            init = content.clone()
        else:
            g = torch.Generator().manual_seed(seed)
            init = torch.rand(style.shape, generator=g) * 0.2 + 0.4
    x = init.detach().contiguous().clone(memory_format=torch.contiguous_format)
    x.requires_grad_(True)
    history: Dict[str, List[float]] = {"content": [], "style": [], "tv": [], "total": []}

    best = {"total": float("inf"), "x": None}

    def record(losses, at):  # the losses of image ``at`` (x before a step)
        for k in history:
            history[k].append(float(losses[k].detach()))
        if history["total"][-1] < best["total"]:
            best["total"], best["x"] = history["total"][-1], at.detach().clone()

    start = time.perf_counter()
    if optimizer == "adam":
        opt = torch.optim.Adam([x], lr=learning_rate)
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            losses = loss_fn(x)
            record(losses, x)
            losses["total"].backward()
            opt.step()
            with torch.no_grad():
                x.clamp_(0, 1)
    else:
        # no tolerance stops: small loss scales would end L-BFGS on its first step
        opt = torch.optim.LBFGS([x], lr=1.0, max_iter=1, history_size=20, tolerance_grad=0.0,
                                tolerance_change=0.0)
        # torch's L-BFGS skips curvature pairs with s.y <= 1e-10 (an absolute test), so a
        # small objective degrades it to plain gradient descent: optimise a rescaled copy
        # starting at 1e4 (the minimiser is the same)
        with torch.no_grad():
            scale = 1e4 / max(float(loss_fn(x)["total"]), 1e-12)
        for _ in range(steps):
            def closure():
                opt.zero_grad(set_to_none=True)
                losses = loss_fn(x)
                closure.losses, closure.at = losses, x.detach().clone()
                (losses["total"] * scale).backward()
                return losses["total"] * scale
            opt.step(closure)
            record(closure.losses, closure.at)
            with torch.no_grad():
                x.clamp_(0, 1)
    elapsed = time.perf_counter() - start
    with torch.no_grad():
        final = loss_fn(x)
        if float(final["total"]) > best["total"]:
            # clamping to [0, 1] after each step makes the path non-monotone (L-BFGS most):
            # return the best image seen, as style-transfer implementations keep it
            x = best["x"]
            final = loss_fn(x)
        record(final, x)
    history["seconds_per_step"] = [elapsed / max(steps, 1)]
    return x.detach(), history


def texture_synthesis(model: nn.Module, texture: torch.Tensor,
                      style_layers: Sequence[str] = EFFICIENTNET_STYLE_LAYERS,
                      size: Optional[Tuple[int, ...]] = None, steps: int = 100, seed: int = 0,
                      **options) -> Tuple[torch.Tensor, Dict[str, List[float]]]:
    """Gatys et al. 2015: a new image with ``texture``'s Gram matrices, from noise
    (``size``: the output's ``(1, H, W, 3)`` shape, default the texture's)."""
    g = torch.Generator().manual_seed(seed)
    init = torch.rand(size or tuple(texture.shape), generator=g) * 0.2 + 0.4
    return style_transfer(model, None, texture, None, style_layers, content_weight=0.0,
                          steps=steps, init=init, seed=seed, **options)
