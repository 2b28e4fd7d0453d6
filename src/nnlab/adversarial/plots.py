"""PNG figures: the robustness curve and the clean / adversarial / perturbation grid."""
from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

import numpy as np
import torch

__all__ = ["plot_adversarial_grid", "plot_robustness_curve"]


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot_robustness_curve(curve: Dict[str, list], path: str,
                          title: str = "Robust accuracy vs eps") -> None:
    """Accuracy vs eps, one line per attack, from :func:`robustness_curve`'s result."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.5, 3.2), dpi=100)
    for name, acc in curve.items():
        if name != "eps":
            ax.plot(curve["eps"], [100 * a for a in acc], marker="o", label=name)
    ax.set(xlabel="eps (L-inf, pixels in [0, 1])", ylabel="accuracy (%)", title=title,
           ylim=(-2, 102))
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _image(t: torch.Tensor) -> np.ndarray:
    """``(H, W)`` / ``(H, W, C)`` numpy image from a channels-last or channels-first one."""
    a = t.detach().cpu().float().numpy()
    if a.ndim == 1:
        side = int(round(len(a) ** 0.5))
        a = a.reshape(side, -1)
    if a.ndim == 3 and a.shape[0] in (1, 3) and a.shape[-1] not in (1, 3):
        a = a.transpose(1, 2, 0)
    return a[..., 0] if a.ndim == 3 and a.shape[-1] == 1 else a


def plot_adversarial_grid(x: Any, x_adv: Any, path: str, labels: Optional[Sequence] = None,
                          preds: Optional[Sequence] = None, adv_preds: Optional[Sequence] = None,
                          magnify: float = 0.0, max_images: int = 8,
                          names: Sequence[str] = ("clean", "adversarial")) -> None:
    """Three rows: clean images, adversarial images, perturbation (magnified).

    Args:
        x, x_adv: ``(n, ...)`` images in [0, 1] (``(n, H, W, C)``, ``(n, C, H, W)`` or
            ``(n, H, W)``).
        labels, preds, adv_preds: optional per-image classes written as titles.
        magnify: the perturbation is shown as ``0.5 + magnify * (x_adv - x)``; 0 (default)
            scales the largest absolute perturbation to fill the range.
        names: labels of the first two rows (e.g. ``("start", "fooling")``).
    """
    x, x_adv = torch.as_tensor(x), torch.as_tensor(x_adv)
    if x.shape != x_adv.shape:
        raise ValueError(f"x and x_adv must have the same shape, got {tuple(x.shape)} and "
                         f"{tuple(x_adv.shape)}")
    n = min(len(x), max_images)
    delta = (x_adv - x)[:n].float()
    scale = magnify or 0.5 / max(float(delta.abs().max()), 1e-12)
    plt = _pyplot()
    fig, axes = plt.subplots(3, n, figsize=(1.3 * n, 4.2), dpi=80, squeeze=False)
    rows = [(names[0], x, preds), (names[1], x_adv, adv_preds),
            (f"perturbation x{scale:.3g}", (0.5 + scale * delta).clamp(0, 1), None)]
    for r, (name, imgs, pred) in enumerate(rows):
        for i in range(n):
            ax = axes[r][i]
            ax.imshow(_image(imgs[i]), cmap="gray", vmin=0.0, vmax=1.0)
            ax.set_xticks([])
            ax.set_yticks([])
            text = []
            if r == 0 and labels is not None:
                text.append(f"y={int(labels[i])}")
            if pred is not None:
                text.append(f"pred {int(pred[i])}")
            if text:
                ax.set_title(" ".join(text), fontsize=8)
        axes[r][0].set_ylabel(name, fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
