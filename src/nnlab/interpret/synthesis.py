"""Images made by gradient ascent on the input:

- :func:`class_visualization`: ``argmax_I S_c(I) - lambda ||I||^2`` (Simonyan, Vedaldi and
  Zisserman 2014, sec. 2), with Yosinski et al.'s regularisers ("Understanding Neural
  Networks Through Deep Visualization", 2015): jitter, periodic Gaussian blur, clipping.
- :func:`feature_inversion`: ``argmin_I ||phi(I) - phi(I0)||^2 / ||phi(I0)||^2 +
  lambda TV(I)`` (Mahendran and Vedaldi, "Understanding Deep Image Representations by
  Inverting Them", CVPR 2015).
- :func:`deep_dream`: ascend ``||phi(I)||^2 / 2`` of a layer over octaves (Mordvintsev,
  Olah and Tyka, "Inceptionism", Google Research blog 2015).

Images live in the model's input space (preprocessed values) with the model's layout;
``(1, H, W, C)`` channels_last or ``(1, C, H, W)``.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from torch import nn

from ._common import (check_inputs, data_format_of, num_outputs, select, target_index)
from ._image_ops import gaussian_blur, jitter, resize, spatial_dims, total_variation
from .capture import LayerOutputs


def _shape(input_shape: Sequence[int]) -> Tuple[int, ...]:
    shape = tuple(input_shape)
    if len(shape) != 3 or not all(isinstance(d, int) and d > 0 for d in shape):
        raise ValueError(f"input_shape must be 3 positive ints without the batch axis, got "
                         f"{input_shape!r}")
    return shape


def class_visualization(model: nn.Module, target: int, input_shape: Sequence[int],
                        steps: int = 200, learning_rate: float = 0.5, l2_reg: float = 1e-3,
                        blur_every: int = 10, blur_sigma: float = 0.5, max_jitter: int = 8,
                        clip: Optional[Tuple[float, float]] = (-1.0, 1.0), seed: int = 0,
                        data_format: Optional[str] = None) -> Tuple[torch.Tensor, List[float]]:
    """Synthesise an image the model scores as class ``target``.

    Each step: jitter by up to ``max_jitter`` pixels, ``I += lr * g / ||g||`` with ``g =
    d(S_c - l2_reg ||I||^2)/dI`` (the normalised step of CS231n's assignment), undo the
    jitter, clip to ``clip``, and every ``blur_every`` steps blur with ``blur_sigma``.

    Returns: ``(image, logits)``: the ``(1, *input_shape)`` image and the target score
    before each step and after the last (``steps + 1`` values).
    """
    fmt = data_format_of(model, data_format)
    shape = _shape(input_shape)
    g = torch.Generator().manual_seed(seed)
    img = (torch.randn((1,) + shape, generator=g) * 0.01)
    checked = target_index(target, 1, num_outputs(model, img))
    dims = spatial_dims(fmt)
    logits: List[float] = []
    for _ in range(steps):
        dy, dx = (int(v) for v in torch.randint(-max_jitter, max_jitter + 1, (2,), generator=g))
        x = jitter(img, dy, dx, fmt).requires_grad_(True)
        score = select(model(x), checked)[0]
        logits.append(float(score.detach()))
        objective = score - l2_reg * (x ** 2).sum()
        (grad,) = torch.autograd.grad(objective, x)
        with torch.no_grad():
            x = x + learning_rate * grad / (grad.norm() + 1e-12)
            img = torch.roll(x, shifts=(-dy, -dx), dims=dims)
            if clip is not None:
                img = img.clamp(*clip)
            if blur_every and (len(logits) % blur_every == 0):
                img = gaussian_blur(img, blur_sigma, fmt)
    with torch.no_grad():
        logits.append(float(select(model(img), checked)[0]))
    return img.detach(), logits


def feature_inversion(model: nn.Module, image: torch.Tensor, layer: Union[str, nn.Module],
                      steps: int = 200, learning_rate: float = 0.1, tv_weight: float = 1e-6,
                      clip: Optional[Tuple[float, float]] = (-1.0, 1.0), seed: int = 0,
                      data_format: Optional[str] = None) -> Tuple[torch.Tensor, List[float]]:
    """Reconstruct ``image`` (``(1, ...)``, model input) from ``layer``'s features alone,
    starting from noise, with Adam (learning rate cosine-annealed to 0 over ``steps``).

    Returns: ``(reconstruction, distances)``: the relative feature distance
    ``||phi(I) - phi(I0)|| / ||phi(I0)||`` before each step and after the last.
    """
    check_inputs(image, "image")
    fmt = data_format_of(model, data_format)
    capture = LayerOutputs(model, [layer])
    with torch.no_grad():
        (target,) = capture(image)
    norm = target.norm()
    g = torch.Generator().manual_seed(seed)
    x = (torch.randn(image.shape, generator=g) * 0.1).requires_grad_(True)
    opt = torch.optim.Adam([x], lr=learning_rate)
    decay = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(steps, 1))
    distances: List[float] = []
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        (feat,) = capture(x)
        rel = (feat - target).norm() / norm
        distances.append(float(rel.detach()))
        loss = rel ** 2 + tv_weight * total_variation(x, fmt) / x.shape[0]
        loss.backward()
        opt.step()
        decay.step()
        if clip is not None:
            with torch.no_grad():
                x.clamp_(*clip)
    with torch.no_grad():
        (feat,) = capture(x)
        distances.append(float((feat - target).norm() / norm))
    return x.detach(), distances


def deep_dream(model: nn.Module, image: torch.Tensor, layer: Union[str, nn.Module],
               octaves: int = 3, octave_scale: float = 1.4, steps: int = 10,
               learning_rate: float = 0.02, max_jitter: int = 16,
               clip: Optional[Tuple[float, float]] = (-1.0, 1.0), seed: int = 0,
               data_format: Optional[str] = None) -> Tuple[torch.Tensor, Dict[str, List[float]]]:
    """Amplify what ``layer`` sees in ``image`` (``(1, ...)``, model input).

    From the smallest octave (``octave_scale ** -(octaves - 1)`` of the size) up: ascend
    ``mean(phi(I)^2) / 2`` with steps ``lr * g / mean|g|`` under jitter, then upscale the
    added detail onto the next octave.

    Returns: ``(image, {'activation': [...]})``, the objective at every step.
    """
    check_inputs(image, "image")
    fmt = data_format_of(model, data_format)
    dims = spatial_dims(fmt)
    capture = LayerOutputs(model, [layer])
    g = torch.Generator().manual_seed(seed)
    base_size = tuple(image.shape[d] for d in dims)
    sizes = [tuple(max(8, int(round(s / octave_scale ** i))) for s in base_size)
             for i in reversed(range(octaves))]
    detail = torch.zeros_like(resize(image, sizes[0], fmt))
    history: List[float] = []
    for size in sizes:
        base = resize(image, size, fmt)
        detail = resize(detail, size, fmt)
        img = base + detail
        for _ in range(steps):
            dy, dx = (int(v) for v in torch.randint(-max_jitter, max_jitter + 1, (2,),
                                                    generator=g))
            x = jitter(img, dy, dx, fmt).requires_grad_(True)
            (act,) = capture(x)
            objective = (act ** 2).mean() / 2
            history.append(float(objective.detach()))
            (grad,) = torch.autograd.grad(objective, x)
            with torch.no_grad():
                x = x + learning_rate * grad / (grad.abs().mean() + 1e-12)
                img = torch.roll(x, shifts=(-dy, -dx), dims=dims)
                if clip is not None:
                    img = img.clamp(*clip)
        detail = img - base
    return img.detach(), {"activation": history}
