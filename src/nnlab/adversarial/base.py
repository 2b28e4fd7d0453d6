"""The attack contract shared by every attack (torchattacks' shape).

``Attack(model, eps=..., **options)(x, y) -> x_adv``:

- ``x``: images ``(batch, ...)`` with values in [0, 1] (any layout the model takes, e.g.
  ``(batch, 28, 28, 1)`` for an nnlab model in channels_last). Normalisation belongs
  inside the model (``nnlab.layers.Rescaling`` / ``Normalization``).
- ``y``: integer class labels ``(batch,)`` (or one-hot ``(batch, classes)``); with
  ``targeted=True`` they are the *target* classes the attack steps toward.
- ``x_adv``: same shape and dtype as ``x``, clipped to [0, 1] and to the eps-ball around
  ``x``.

The model may return logits or probabilities (e.g. a Keras-style ``Dense(10,
activation="softmax")`` head). The attack looks at the first forward pass: rows that are
non-negative and sum to 1 are probabilities, and the loss becomes the negative log of
the (clamped) probability, i.e. cross-entropy on ``log p``, which has the same gradient as
cross-entropy on the logits except where float32 softmax underflows (logit gaps > ~87).
Pass ``outputs="logits"`` or ``"probabilities"`` to skip the guess.

The model's parameters are never written and its train/eval mode is restored: an attack
runs the model in eval mode (dropout off, batch-norm running statistics) and asks
autograd for the gradient of the input only.
"""
from __future__ import annotations

import contextlib
from typing import Any, Optional, Tuple

import torch
import torch.nn.functional as F

from ..utils.allocator import cpu_allocator_tuning, reuse_large_blocks
from ..utils.frozen import frozen_parameters

__all__ = ["Attack", "as_labels"]

_OUTPUTS = ("auto", "logits", "probabilities")


def _check_number(name: str, value: Any, minimum: float = 0.0, strict: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    bad = value <= minimum if strict else value < minimum
    if bad or value != value:
        op = ">" if strict else ">="
        raise ValueError(f"{name} must be {op} {minimum:g}, got {value!r}")
    return float(value)


def check_steps(steps: Any) -> int:
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be an int >= 1, got {steps!r}")
    return steps


def as_labels(y: Any, n: int, what: str = "y") -> torch.Tensor:
    """Integer labels ``(n,)`` from ``(n,)`` ints or ``(n, classes)`` one-hot rows."""
    y = torch.as_tensor(y)
    if y.ndim == 2 and y.shape[1] > 1:
        y = y.argmax(dim=1)
    elif y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"{what} must be integer class labels of shape ({n},) (or one-hot "
                         f"({n}, classes)) for {n} images, got shape {tuple(y.shape)}")
    if y.is_floating_point():
        if not torch.equal(y, y.round()):
            raise ValueError(f"{what} must hold whole class indices, got fractional values")
    return y.long()


@contextlib.contextmanager
def eval_mode(model: torch.nn.Module):
    """Run ``model`` in eval mode, restoring each submodule's own flag afterwards."""
    flags = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for m, flag in flags:
            m.training = flag


class Attack:
    """Base class: validates arguments and inputs, owns the loss and the projection.

    Subclasses implement :meth:`perturb` ``(x, labels) -> x_adv`` on checked tensors;
    ``__call__`` wraps it with the checks, eval mode and ``torch.enable_grad``.

    Args:
        model: any ``torch.nn.Module`` mapping ``(batch, ...)`` images to
            ``(batch, classes)`` logits or probabilities.
        eps: the perturbation budget (L-inf unless the attack says otherwise), >= 0.
        targeted: when ``True`` the labels given to ``__call__`` are target classes and
            the attack *lowers* the loss of that class instead of raising the true one's.
        outputs: ``"auto"`` (guess from the first forward pass), ``"logits"`` or
            ``"probabilities"``.

    Raises:
        ValueError: eps < 0, steps < 1, inputs outside [0, 1], labels of the wrong shape
            or out of range, a model output that is not ``(batch, classes)``.
    """

    def __init__(self, model: torch.nn.Module, eps: float, targeted: bool = False,
                 outputs: str = "auto"):
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        self.model = model
        cpu_allocator_tuning(model)  # as fit/predict: large activations reused, not re-faulted
        self.eps = _check_number("eps", eps)
        self.targeted = bool(targeted)
        if outputs not in _OUTPUTS:
            raise ValueError(f"outputs must be one of {_OUTPUTS}, got {outputs!r}")
        self.outputs = outputs
        self._probabilities: Optional[bool] = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(eps={self.eps:g}, targeted={self.targeted})"

    # --------------------------------------------------------------- checks
    def _check_inputs(self, x: Any, y: Any) -> Tuple[torch.Tensor, torch.Tensor]:
        if not torch.is_tensor(x):
            x = torch.as_tensor(x)
        if not x.is_floating_point():
            raise TypeError(f"x must be floating-point images in [0, 1], got dtype {x.dtype} "
                            f"(divide uint8 pixels by 255.0)")
        if x.ndim < 2 or x.shape[0] == 0:
            raise ValueError(f"x must be a non-empty batch (batch, ...), got shape "
                             f"{tuple(x.shape)}")
        lo, hi = torch.aminmax(x.detach())
        if lo.item() < 0.0 or hi.item() > 1.0:
            raise ValueError(f"{type(self).__name__}: inputs must lie in [0, 1], got values in "
                             f"[{lo.item():.4g}, {hi.item():.4g}]. Scale the images to [0, 1] "
                             f"and put the normalisation inside the model (e.g. an nnlab "
                             f"Rescaling or Normalization layer first)")
        what = "target labels" if self.targeted else "y"
        labels = as_labels(y, x.shape[0], what).to(x.device)
        return x.detach(), labels

    def _check_logits(self, out: torch.Tensor, labels: torch.Tensor) -> None:
        if out.ndim != 2:
            raise ValueError(f"{type(self).__name__}: the model must return (batch, classes) "
                             f"scores, got shape {tuple(out.shape)}")
        classes = out.shape[1]
        lo, hi = torch.aminmax(labels)
        if lo.item() < 0 or hi.item() >= classes:
            what = "target class" if self.targeted else "label"
            raise ValueError(f"{type(self).__name__}: {what} out of range: got values in "
                             f"[{lo.item()}, {hi.item()}], the model has {classes} classes "
                             f"(0..{classes - 1})")
        if self._probabilities is None:
            if self.outputs == "auto":
                o = out.detach()
                self._probabilities = bool(
                    (o >= 0).all() and (o <= 1).all()
                    and torch.allclose(o.sum(1), torch.ones_like(o[:, 0]), atol=1e-4))
            else:
                self._probabilities = self.outputs == "probabilities"

    # --------------------------------------------------------------- pieces
    def loss(self, out: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy the attack ascends (its negative when targeted), as torchattacks.

        Every step uses only the sign (L-inf) or the per-image direction (L2) of each
        image's gradient, so the 1/batch factor of the mean changes nothing.
        """
        if self._probabilities:
            ce = F.nll_loss(out.clamp_min(1e-38).log(), labels)
        else:
            ce = F.cross_entropy(out, labels)
        return -ce if self.targeted else ce

    def gradient(self, x_adv: torch.Tensor, labels: torch.Tensor) -> Tuple[torch.Tensor,
                                                                           torch.Tensor]:
        """``(d loss / d x_adv, model output)`` for a detached ``x_adv``."""
        x_adv = x_adv.detach().requires_grad_(True)
        out = self.model(x_adv)
        grad, = torch.autograd.grad(self.loss(out, labels), x_adv)
        return grad, out

    def bounds(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Per-pixel ``(low, high)``: the L-inf eps-ball around ``x`` within [0, 1]."""
        return (x - self.eps).clamp_(min=0.0), (x + self.eps).clamp_(max=1.0)

    def project(self, x_adv: torch.Tensor, x: torch.Tensor, bounds=None) -> torch.Tensor:
        """Clip into the L-inf eps-ball around ``x`` and into [0, 1] (no rounding drift).

        ``bounds``: :meth:`bounds` of ``x``, computed once per attack by iterative ones.
        """
        low, high = self.bounds(x) if bounds is None else bounds
        return torch.clamp(x_adv, low, high)

    def random_start(self, x: torch.Tensor) -> torch.Tensor:
        """A uniform point of the L-inf eps-ball (torch's global RNG), clipped to [0, 1]."""
        return (x + torch.empty_like(x).uniform_(-self.eps, self.eps)).clamp_(0.0, 1.0)

    # --------------------------------------------------------------- entry
    def perturb(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def __call__(self, x: Any, y: Any) -> torch.Tensor:
        x, labels = self._check_inputs(x, y)
        self._probabilities = None if self.outputs == "auto" else \
            self.outputs == "probabilities"
        # frozen_parameters: autograd follows only the input's path (same images, faster)
        with eval_mode(self.model), frozen_parameters(self.model), torch.enable_grad(), \
                reuse_large_blocks(self.model):  # CPU: activations above 32 MiB reused too
            with torch.no_grad():  # output shape, label range, logits or probabilities
                self._check_logits(self.model(x[:2]), labels)
            x_adv = self.perturb(x, labels)
        return x_adv.detach().to(x.dtype)
