"""Adversarial training as a callback: train on attacked batches (Madry; Wong et al.).

``model.fit(x, y, callbacks=[AdversarialTraining(PGD(model, eps=0.3, alpha=0.01,
steps=40))])`` replaces each training batch by its adversarial version before the
forward pass (through the public ``Callback.transform_train_batch`` event of the fit
loop), so it works with any compiled nnlab model and any loss over class labels.

- Madry et al. 2018: ``PGD(model, eps, alpha, steps, random_start=True)``, ``ratio=1``.
- Wong, Rice & Kolter 2020 ("fast" training): ``FGSM(model, eps, random_start=True,
  alpha=1.25 * eps)``, ``ratio=1``: one gradient per batch instead of ``steps``.
- Goodfellow et al. 2015 mixed the clean and adversarial loss: ``ratio=0.5`` attacks a
  random half of each batch and keeps the other half clean.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Union

import torch

from ..callbacks import Callback
from ..tree import first_leaf
from .base import Attack, _check_number

__all__ = ["AdversarialTraining", "fast_adversarial_training"]


class AdversarialTraining(Callback):
    """Replace (or mix) every training batch with adversarial examples.

    Args:
        attack: an :class:`~nnlab.adversarial.base.Attack` built on the model being
            trained (it must attack the same weights that are being updated).
        ratio: fraction of each batch that is attacked, in (0, 1]; the rest stays clean.
        eps_schedule: optional ``epoch -> eps`` (e.g. a warm-up ramp); sets
            ``attack.eps`` at the start of each epoch.

    The batch ``x`` must be a single tensor of images in [0, 1] and ``y`` class labels
    ``(batch,)`` or one-hot ``(batch, classes)``; ``y`` is passed on unchanged. The
    attack runs the model in eval mode and restores train mode for the update step.
    """

    def __init__(self, attack: Attack, ratio: float = 1.0,
                 eps_schedule: Optional[Callable[[int], float]] = None):
        super().__init__()
        if not isinstance(attack, Attack):
            raise TypeError(f"attack must be an nnlab.adversarial Attack (e.g. PGD(model, "
                            f"eps=0.3)), got {type(attack).__name__}")
        ratio = _check_number("ratio", ratio, strict=True)
        if ratio > 1.0:
            raise ValueError(f"ratio must be in (0, 1], got {ratio!r}")
        self.attack = attack
        self.ratio = ratio
        self.eps_schedule = eps_schedule

    def on_train_begin(self, logs=None):
        if self.model is not None and self.attack.model is not self.model:
            raise ValueError("AdversarialTraining: the attack was built on another model; "
                             "build it on the model being trained (PGD(model, ...))")

    def on_epoch_begin(self, epoch, logs=None):
        if self.eps_schedule is not None:
            self.attack.eps = _check_number("eps_schedule(epoch)", self.eps_schedule(epoch))

    def transform_train_batch(self, x: Any, y: Any):
        if not torch.is_tensor(x) or not torch.is_tensor(first_leaf(y)):
            raise TypeError(f"AdversarialTraining needs one tensor of images x and one of "
                            f"labels y per batch, got {type(x).__name__} / "
                            f"{type(y).__name__}")
        if self.ratio >= 1.0:
            return self.attack(x, y), y
        n = x.shape[0]
        k = int(round(self.ratio * n))
        if k == 0:
            return x, y
        idx = torch.randperm(n, device=x.device)[:k]
        x = x.clone()
        x[idx] = self.attack(x[idx], y[idx])
        return x, y


def fast_adversarial_training(model: torch.nn.Module, eps: float,
                              alpha: Union[float, None] = None) -> AdversarialTraining:
    """Wong et al.'s FGSM-RS training callback (``alpha`` defaults to ``1.25 * eps``)."""
    from .fgsm import FGSM
    return AdversarialTraining(FGSM(model, eps=eps, random_start=True, alpha=alpha))
