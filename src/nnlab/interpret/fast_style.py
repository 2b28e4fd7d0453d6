"""Fast style transfer (Johnson, Alahi and Fei-Fei, "Perceptual Losses for Real-Time
Style Transfer and Super-Resolution", ECCV 2016): train a feed-forward image
transformation network ``f_W`` once per style on content photos, minimising the
perceptual loss of :class:`~nnlab.interpret.style.StyleLoss` (content + style + TV of
``f_W(x)`` against ``x`` and the style image); then stylising is one forward pass.

:class:`TransformerNet` follows the paper's layout (supplementary Table 1) at a smaller
width: 9x9 conv -> two stride-2 3x3 convs -> residual blocks -> two x2 upsampling convs
(nearest-neighbour resize + conv, which avoids checkerboards; Odena et al. 2016) -> 9x9
conv, with instance normalisation (Ulyanov et al. 2016, the common replacement for the
paper's batch norm). Default widths 16/32/64 and 3 residual blocks (the paper: 32/64/128
and 5) so it trains in minutes on a CPU.
"""
from __future__ import annotations

import time
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from torch import nn

from .. import config as _config
from ..utils.allocator import reuse_large_blocks
from .style import EFFICIENTNET_STYLE_LAYERS, Preprocess, StyleLoss, efficientnet_pixels


def _conv(cin: int, cout: int, k: int, stride: int = 1, norm: bool = True, relu: bool = True):
    layers: List[nn.Module] = [nn.ReflectionPad2d(k // 2), nn.Conv2d(cin, cout, k, stride)]
    if norm:
        layers.append(nn.InstanceNorm2d(cout, affine=True))
    if relu:
        layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class _Residual(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.body = nn.Sequential(_conv(c, c, 3), _conv(c, c, 3, relu=False))

    def forward(self, x):
        return x + self.body(x)


class _Upsample(nn.Module):
    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv = _conv(cin, cout, 3)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))


class TransformerNet(nn.Module):
    """Image -> stylised image of the same size, pixels in [0, 1].

    Input/output shape: ``(N, H, W, 3)`` (channels_last) or ``(N, 3, H, W)``; H and W
    multiples of 4 keep the size exact.
    """

    def __init__(self, widths: Sequence[int] = (16, 32, 64), residual_blocks: int = 3,
                 data_format: Optional[str] = None) -> None:
        super().__init__()
        self.data_format = _config.normalize_data_format(data_format)
        a, b, c = widths
        self.net = nn.Sequential(
            _conv(3, a, 9), _conv(a, b, 3, 2), _conv(b, c, 3, 2),
            *[_Residual(c) for _ in range(residual_blocks)],
            _Upsample(c, b), _Upsample(b, a), _conv(a, 3, 9, norm=False, relu=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        last = self.data_format == "channels_last"
        y = x.permute(0, 3, 1, 2) if last else x
        y = torch.sigmoid(self.net(y))
        return y.permute(0, 2, 3, 1) if last else y


def _random_crops(photos: torch.Tensor, size: int, n: int, g: torch.Generator,
                  channels_last: bool) -> torch.Tensor:
    """``n`` random ``size`` x ``size`` crops (with random flips) of ``(P, H, W, 3)`` photos."""
    out = []
    for _ in range(n):
        p = photos[int(torch.randint(len(photos), (1,), generator=g))]
        h, w = p.shape[:2]
        top = int(torch.randint(h - size + 1, (1,), generator=g))
        left = int(torch.randint(w - size + 1, (1,), generator=g))
        crop = p[top:top + size, left:left + size]
        if bool(torch.rand((), generator=g) < 0.5):
            crop = crop.flip(1)
        out.append(crop)
    batch = torch.stack(out)                                   # (n, size, size, 3)
    return batch if channels_last else batch.permute(0, 3, 1, 2)


def train_fast_style(loss_model: nn.Module, style: torch.Tensor,
                     photos: Union[torch.Tensor, Sequence[torch.Tensor]],
                     steps: int = 300, batch_size: int = 4, image_size: int = 128,
                     learning_rate: float = 1e-3, content_weight: float = 1e4,
                     style_weights: Union[float, Sequence[float]] = 1e3,
                     tv_weight: float = 1e-4,
                     content_layer: str = "block3a_expand_activation",
                     style_layers: Sequence[str] = EFFICIENTNET_STYLE_LAYERS,
                     preprocess: Preprocess = efficientnet_pixels,
                     net: Optional[TransformerNet] = None, seed: int = 0,
                     time_limit: Optional[float] = None
                     ) -> tuple:
    """Train a :class:`TransformerNet` for ``style`` on random crops of ``photos``.

    Args:
        style: ``(1, H, W, 3)`` pixels in [0, 1] (the loss network's layout).
        photos: content photos, each ``(H, W, 3)`` pixels in [0, 1], at least
            ``image_size`` on each side.
        content_weight: weight of the relative content loss; larger than in
            :func:`~nnlab.interpret.style_transfer` (1), which starts from the content
            image, while this network must learn to keep the content at all.
        content_layer: default EfficientNet-Lite0's block 3a expansion (an earlier layer
            than style transfer's block 4a: a sharper layout to keep).
        time_limit: stop after this many seconds even if ``steps`` are not done.

    Returns: ``(net, history)`` with per-step ``'content'``, ``'style'``, ``'total'``
    losses and ``'seconds'``.
    """
    if isinstance(photos, torch.Tensor) and photos.dim() == 3:
        photos = [photos]
    photos = [torch.as_tensor(p, dtype=torch.float32) for p in photos]
    small = [tuple(p.shape) for p in photos if min(p.shape[:2]) < image_size]
    if not photos or small or any(p.dim() != 3 or p.shape[-1] != 3 for p in photos):
        raise ValueError(f"photos must be (H, W, 3) images at least {image_size} px on each "
                         f"side; got {[tuple(p.shape) for p in photos][:4]}")
    channels_last = _config.image_data_format() == "channels_last"
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net = net or TransformerNet()
    opt = torch.optim.Adam(net.parameters(), lr=learning_rate)
    history: Dict[str, List[float]] = {"content": [], "style": [], "total": []}
    loss_fn = None
    start = time.perf_counter()
    with reuse_large_blocks(net):  # CPU: activations above 32 MiB reused
        for _ in range(steps):
            batch = _random_crops(photos, image_size, batch_size, g, channels_last)
            if loss_fn is None:
                loss_fn = StyleLoss(loss_model, content_layer, style_layers, batch, style,
                                    content_weight, style_weights, tv_weight, preprocess)
            else:
                loss_fn.set_content(batch)
            opt.zero_grad(set_to_none=True)
            losses = loss_fn(net(batch))
            losses["total"].backward()
            opt.step()
            for k in history:
                history[k].append(float(losses[k].detach()))
            if time_limit is not None and time.perf_counter() - start > time_limit:
                break
    history["seconds"] = [time.perf_counter() - start]
    return net.eval(), history
