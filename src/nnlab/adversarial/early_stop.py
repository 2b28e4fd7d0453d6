"""Wong, Rice & Kolter 2020's early-stop check against catastrophic overfitting.

FGSM adversarial training (with or without a random start) can suddenly lose all its
robustness to PGD within a few batches while its FGSM accuracy goes *up* ("catastrophic
overfitting"). Wong et al.'s remedy: after every epoch, attack one held-out batch with
a few PGD steps; when that robust accuracy falls by more than ``drop`` (0.2) below the
previous check, stop and go back to the weights of the previous check. ``against='best'``
compares with the best check so far instead (catches a collapse spread over several
checks) and goes back to the best weights.

``fit(..., callbacks=[AdversarialTraining(FGSM(m, 0.3, random_start=True)),
RobustEarlyStopping(PGD(m, 0.3, alpha=0.1, steps=5), x_check, y_check)])``.
"""
from __future__ import annotations

import copy
from typing import Any, List, Optional

import torch

from ..callbacks import Callback
from .base import Attack, _check_number
from .evaluation import _tensor, robust_accuracy

__all__ = ["RobustEarlyStopping"]


class RobustEarlyStopping(Callback):
    """Stop adversarial training when robust accuracy on a held-out batch collapses.

    Args:
        attack: the check's attack, built on the model being trained (Wong et al.: PGD,
            5 steps, one restart).
        x, y: the held-out batch ``(n, ...)`` in [0, 1] and its labels ``(n,)``.
        drop: stop when robust accuracy is more than ``drop`` below the reference.
        against: the reference: ``'previous'`` check (Wong et al.; restores its weights)
            or ``'best'`` check so far (also catches a gradual slide; restores the best
            weights).
        every: check every ``every`` training batches as well (``None``: only at the
            end of each epoch, as Wong et al.).
        restore: put back the weights of the previous check on stopping.

    Attributes: ``history_`` the robust accuracy of every check, ``checks_`` the
    ``(epoch, batch)`` of each (batch ``None`` at an epoch end), ``stopped_at_`` the
    check that triggered the stop (``None`` if training ran to the end).
    """

    def __init__(self, attack: Attack, x: Any, y: Any, drop: float = 0.2,
                 every: Optional[int] = None, restore: bool = True,
                 against: str = "previous"):
        super().__init__()
        if not isinstance(attack, Attack):
            raise TypeError(f"RobustEarlyStopping: attack must be an nnlab.adversarial Attack "
                            f"(e.g. PGD(model, 0.3, alpha=0.1, steps=5)), got "
                            f"{type(attack).__name__}")
        self.attack = attack
        self.x = _tensor(x)
        self.y = torch.as_tensor(y).long()
        if self.x.ndim < 2 or len(self.x) == 0 or self.y.shape != (len(self.x),):
            raise ValueError(f"RobustEarlyStopping: x must be a batch (n, ...) and y its labels "
                             f"(n,); got x {tuple(self.x.shape)}, y {tuple(self.y.shape)}")
        self.drop = _check_number("drop", drop, strict=True)
        if every is not None and (not isinstance(every, int) or every < 1):
            raise ValueError(f"RobustEarlyStopping: every must be a positive int or None, "
                             f"got {every!r}")
        if against not in ("previous", "best"):
            raise ValueError(f"RobustEarlyStopping: against must be 'previous' (Wong et al.) or "
                             f"'best', got {against!r}")
        self.every, self.restore, self.against = every, restore, against
        self.history_: List[float] = []
        self.checks_: List[tuple] = []
        self.stopped_at_ = None
        self._saved = None
        self._epoch = 0

    def on_train_begin(self, logs=None):
        if self.model is not None and self.attack.model is not self.model:
            raise ValueError("RobustEarlyStopping: the attack was built on another model; "
                             "build it on the model being trained (PGD(model, ...))")
        self.history_, self.checks_, self.stopped_at_ = [], [], None
        self._saved = copy.deepcopy(self.model.state_dict())

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.every and (batch + 1) % self.every == 0 and not self.model.stop_training:
            self._check(batch)

    def on_epoch_end(self, epoch, logs=None):
        if not self.model.stop_training:
            self._check(None)
        if logs is not None and self.history_:
            logs["robust_check"] = self.history_[-1]

    def _check(self, batch) -> None:
        acc = robust_accuracy(self.model, self.x, self.y, self.attack)
        self.history_.append(acc)
        self.checks_.append((self._epoch, batch))
        earlier = self.history_[:-1]
        if earlier:
            ref = earlier[-1] if self.against == "previous" else max(earlier)
            if acc < ref - self.drop:
                self.stopped_at_ = len(self.history_) - 1
                self.model.stop_training = True
                if self.restore:
                    self.model.load_state_dict(self._saved)
                return
        if self.against == "previous" or acc >= max(self.history_):
            self._saved = copy.deepcopy(self.model.state_dict())
