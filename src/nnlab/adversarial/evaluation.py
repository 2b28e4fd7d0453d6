"""Robustness measured the way the papers report it: accuracy on attacked inputs.

``robust_accuracy(model, x, y, attack)`` attacks ``x`` in batches and returns the fraction
the model still classifies correctly; ``robustness_curve`` repeats it over a list of eps
for several attacks (accuracy vs eps, the figure of Madry et al.) and can draw it.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Sequence

import torch

from .base import Attack, as_labels, eval_mode

__all__ = ["predict_labels", "robust_accuracy", "robustness_curve"]


def _tensor(x: Any) -> torch.Tensor:
    x = torch.as_tensor(x)
    return x if x.is_floating_point() else x.float()


def predict_labels(model: torch.nn.Module, x: Any, batch_size: int = 512) -> torch.Tensor:
    """``(batch,)`` argmax classes of ``model`` on ``x`` (eval mode, restored after)."""
    x = _tensor(x)
    with eval_mode(model), torch.no_grad():  # not inference_mode: labels feed autograd later
        return torch.cat([model(x[i:i + batch_size]).argmax(1)
                          for i in range(0, len(x), batch_size)])


def robust_accuracy(model: torch.nn.Module, x: Any, y: Any, attack: Optional[Attack] = None,
                    batch_size: int = 256) -> float:
    """Accuracy of ``model`` on ``attack(x, y)``, computed in batches (clean if no attack).

    Args:
        model: the classifier to score (usually ``attack.model``; a different model
            gives a transfer score).
        x: ``(n, ...)`` images in [0, 1]; y: ``(n,)`` labels (or one-hot).
        attack: an untargeted attack, or ``None`` for clean accuracy.
        batch_size: images attacked at once.

    Returns: a float in [0, 1].
    """
    x = _tensor(x)
    labels = as_labels(y, len(x))
    if attack is not None and attack.targeted:
        raise ValueError("robust_accuracy needs an untargeted attack (targeted=False); score "
                         "a targeted attack by its success rate instead")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
    correct = 0
    for i in range(0, len(x), batch_size):
        xb, yb = x[i:i + batch_size], labels[i:i + batch_size]
        if attack is not None:
            xb = attack(xb, yb)
        correct += int((predict_labels(model, xb, batch_size) == yb).sum())
    return correct / len(x)


def robustness_curve(model: torch.nn.Module, x: Any, y: Any, eps: Sequence[float],
                     attacks: Optional[Dict[str, Callable[[float], Attack]]] = None,
                     path: Optional[str] = None, batch_size: int = 256,
                     title: str = "Robust accuracy vs eps") -> Dict[str, list]:
    """Robust accuracy for every ``eps`` and attack; optionally a PNG of the curves.

    Args:
        attacks: ``name -> (eps -> Attack)``; default FGSM and PGD-40 (``alpha = 2.5 *
            eps / 40``, random start) as in Madry et al.
        path: write the plot there (PNG, matplotlib Agg) when given.

    Returns: ``{"eps": [...], name: [accuracy per eps], ...}``.
    """
    from .fgsm import FGSM
    from .pgd import PGD

    if attacks is None:
        attacks = {"FGSM": lambda e: FGSM(model, eps=e),
                   "PGD-40": lambda e: PGD(model, eps=e, alpha=max(2.5 * e / 40, 1e-6),
                                           steps=40)}
    result: Dict[str, list] = {"eps": [float(e) for e in eps]}
    for name, make in attacks.items():
        result[name] = [robust_accuracy(model, x, y, make(e) if e > 0 else None, batch_size)
                        for e in result["eps"]]
    if path is not None:
        from .plots import plot_robustness_curve
        plot_robustness_curve(result, path, title=title)
    return result
