"""Black-box transfer attack (Papernot et al. 2017, "Practical Black-Box Attacks").

The attacker only sees the black box's predicted labels. It trains a local substitute
on a small seed set labelled by the black box, then grows the set by Jacobian-based
dataset augmentation -- each round adds ``x + lambda * sign(d F_{O(x)}(x) / dx)``, a step
along the substitute's gradient for the label the black box gave -- and relabels. White-box
attacks on the substitute then *transfer* to the black box.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

import torch
import torch.nn.functional as F

from ..utils.allocator import reuse_large_blocks
from .base import Attack, _check_number, as_labels, check_steps, eval_mode
from .evaluation import _tensor, predict_labels

__all__ = ["JacobianAugmentation", "transfer_attack"]


def oracle_labels(oracle: Any, x: torch.Tensor) -> torch.Tensor:
    """``(n,)`` labels the black box gives ``x``: its argmax when it returns scores
    ``(n, classes)``, its answer when it returns labels ``(n,)`` (Papernot's labels-only
    oracle). Anything else is refused, naming what arrived."""
    if isinstance(oracle, torch.nn.Module):
        with eval_mode(oracle), torch.no_grad():
            out = oracle(x)
    else:
        with torch.no_grad():
            out = torch.as_tensor(oracle(x))
    if out.ndim == 2 and out.shape[0] == len(x):
        return out.argmax(1)
    if out.ndim == 1 and out.shape[0] == len(x) and not out.is_floating_point():
        return out.long()
    if out.ndim == 1 and out.shape[0] == len(x) and bool((out == out.round()).all()):
        return out.long()                   # integral labels given as floats
    raise ValueError(f"oracle: for {len(x)} images it must return labels ({len(x)},) or "
                     f"scores ({len(x)}, classes); got shape {tuple(out.shape)} "
                     f"{out.dtype}")


def _is_probabilities(out: torch.Tensor) -> bool:
    o = out.detach()
    return bool((o >= 0).all() and (o <= 1).all()
                and torch.allclose(o.sum(1), torch.ones_like(o[:, 0]), atol=1e-4))


class JacobianAugmentation:
    """Train ``substitute`` to imitate the black box ``oracle`` from its labels alone.

    Args:
        oracle: the black box, any callable: ``(n, ...) -> (n,)`` labels (Papernot's
            labels-only threat model) or ``(n, classes)`` scores, of which only the
            argmax is used.
        substitute: an ``nn.Module`` with the same input and class layout; trained here
            with Adam on cross-entropy (probability outputs are handled as in attacks).
        rounds: substitute epochs rho (Papernot: 6, i.e. the seed set grows 2**5 times).
        lam: augmentation step lambda (Papernot: 0.1), in input units.
        tau: flip the sign of lambda every ``tau`` rounds (Papernot's "periodic step
            size"; ``None`` never flips).
        epochs: training epochs per round (Papernot: 10); lr, batch_size: Adam's.
        optimizer: ``None`` (Adam at ``lr``, made afresh each round) or a callable
            ``params -> torch.optim.Optimizer`` called once per round, e.g.
            ``lambda p: torch.optim.SGD(p, lr=1e-2, momentum=0.9)`` or AdamW with weight
            decay; ``lr`` is then unused.

    Attributes after :meth:`fit`: ``x_`` the final synthetic set ``(m, ...)``, ``queries_``
    how many images the oracle labelled, ``history_`` per-round ``(size, agreement)``,
    the agreement being the substitute's match with the oracle on its own training set.
    """

    def __init__(self, oracle: Callable[[torch.Tensor], torch.Tensor],
                 substitute: torch.nn.Module, rounds: int = 6, lam: float = 0.1,
                 tau: Optional[int] = None, epochs: int = 10, lr: float = 1e-3,
                 batch_size: int = 64, seed: int = 0,
                 optimizer: Optional[Callable[[List[torch.nn.Parameter]],
                                              torch.optim.Optimizer]] = None):
        if not isinstance(substitute, torch.nn.Module):
            raise TypeError(f"substitute must be a torch.nn.Module, got "
                            f"{type(substitute).__name__}")
        self.oracle = oracle
        self.substitute = substitute
        self.rounds = check_steps(rounds)
        self.lam = _check_number("lam", lam, strict=True)
        self.tau = None if tau is None else check_steps(tau)
        self.epochs = check_steps(epochs)
        self.lr = _check_number("lr", lr, strict=True)
        self.batch_size = check_steps(batch_size)
        self.seed = seed
        if optimizer is not None and not callable(optimizer):
            raise TypeError(f"optimizer must be None or a callable params -> "
                            f"torch.optim.Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.queries_ = 0
        self.history_: List[tuple] = []

    def _label(self, x: torch.Tensor) -> torch.Tensor:
        self.queries_ += len(x)
        return oracle_labels(self.oracle, x)

    def _train(self, x: torch.Tensor, labels: torch.Tensor, gen: torch.Generator) -> None:
        model = self.substitute
        params = [p for p in model.parameters() if p.requires_grad]
        optimizer = torch.optim.Adam(params, lr=self.lr) if self.optimizer is None \
            else self.optimizer(params)
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(f"optimizer(params) must return a torch.optim.Optimizer, got "
                            f"{type(optimizer).__name__}")
        model.train()
        with reuse_large_blocks(model):  # CPU: activations above 32 MiB reused
            for _ in range(self.epochs):
                order = torch.randperm(len(x), generator=gen)
                for i in range(0, len(x), self.batch_size):
                    idx = order[i:i + self.batch_size]
                    out = model(x[idx])
                    loss = F.nll_loss(out.clamp_min(1e-38).log(), labels[idx]) \
                        if _is_probabilities(out) else F.cross_entropy(out, labels[idx])
                    loss.backward()
                    optimizer.step()
                    optimizer.zero_grad(set_to_none=True)
        model.eval()

    def _augment(self, x: torch.Tensor, labels: torch.Tensor, lam: float) -> torch.Tensor:
        """``x + lam * sign(grad_x F_{label}(x))`` clipped to [0, 1] (Papernot's Eq. 4)."""
        new = []
        with eval_mode(self.substitute), torch.enable_grad():
            for i in range(0, len(x), 256):
                xb = x[i:i + 256].detach().requires_grad_(True)
                score = self.substitute(xb).gather(1, labels[i:i + 256, None]).sum()
                grad, = torch.autograd.grad(score, xb)
                new.append((xb.detach() + lam * grad.sign()).clamp_(0.0, 1.0))
        return torch.cat(new)

    def fit(self, x_seed: Any) -> torch.nn.Module:
        """Run the rounds from ``x_seed`` ``(n, ...)`` in [0, 1]; returns the substitute."""
        x = _tensor(x_seed)
        if x.ndim < 2 or len(x) == 0 or float(x.min()) < 0 or float(x.max()) > 1:
            raise ValueError("x_seed must be a non-empty batch of images in [0, 1]")
        gen = torch.Generator().manual_seed(self.seed)
        self.queries_, self.history_ = 0, []
        labels = self._label(x)
        for rho in range(self.rounds):
            self._train(x, labels, gen)
            agree = float((predict_labels(self.substitute, x) == labels).float().mean())
            self.history_.append((len(x), agree))
            if rho == self.rounds - 1:
                break
            lam = self.lam if self.tau is None else self.lam * (-1) ** (rho // self.tau)
            x_new = self._augment(x, labels, lam)
            x = torch.cat([x, x_new])
            labels = torch.cat([labels, self._label(x_new)])
        self.x_ = x
        return self.substitute


def transfer_attack(oracle: Any, attack: Attack, x: Any, y: Any,
                    batch_size: int = 256, attack_labels: str = "true") -> Dict[str, float]:
    """Attack the substitute (``attack.model``) and score the examples on ``oracle``.

    Args:
        oracle: the black box the examples are meant to fool: a model or any callable
            returning labels ``(n,)`` or scores ``(n, classes)``.
        attack: an untargeted attack built on the substitute.
        x: ``(n, ...)`` images in [0, 1]; y: ``(n,)`` true labels.
        attack_labels: the labels the attack steps away from: ``"true"`` (``y``) or
            ``"substitute"`` (the substitute's own predictions, what cleverhans' FGSM uses
            when given no labels). Either way the oracle is scored against ``y``.

    Returns: ``oracle_clean_accuracy``, ``oracle_adversarial_accuracy``,
    ``substitute_adversarial_accuracy`` and ``transfer_success`` -- the fraction of the
    images the oracle got right that it misclassifies after the attack (Papernot's rate).
    """
    if attack_labels not in ("true", "substitute"):
        raise ValueError(f"attack_labels must be 'true' or 'substitute', got "
                         f"{attack_labels!r}")
    x = _tensor(x)
    labels = as_labels(y, len(x))
    clean_ok, adv_ok, sub_ok = [], [], []
    for i in range(0, len(x), batch_size):
        xb, yb = x[i:i + batch_size], labels[i:i + batch_size]
        x_adv = attack(xb, yb if attack_labels == "true" else predict_labels(attack.model, xb))
        clean_ok.append(oracle_labels(oracle, xb) == yb)
        adv_ok.append(oracle_labels(oracle, x_adv) == yb)
        sub_ok.append(predict_labels(attack.model, x_adv) == yb)
    clean, adv, sub = torch.cat(clean_ok), torch.cat(adv_ok), torch.cat(sub_ok)
    fooled = (clean & ~adv).sum().item() / max(int(clean.sum()), 1)
    return {"oracle_clean_accuracy": clean.float().mean().item(),
            "oracle_adversarial_accuracy": adv.float().mean().item(),
            "substitute_adversarial_accuracy": sub.float().mean().item(),
            "transfer_success": fooled}
