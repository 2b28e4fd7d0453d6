"""``LBFGS``: limited-memory BFGS (full batch; ``step(closure)``)."""
from __future__ import annotations

from collections.abc import Callable

import torch

from .optimizer import OPTIMIZERS, Optimizer


class LBFGS(Optimizer):
    """Limited-memory BFGS via ``torch.optim.LBFGS``; ``step(closure)`` (``needs_closure``).

    Keeps the last ``history_size`` pairs ``(s, y) = (dw, dg)`` and applies the two-loop
    recursion ``d = -H g`` for an implicit inverse-Hessian estimate ``H``; each ``step``
    runs up to ``max_iter`` iterations, with a strong-Wolfe line search by default.
    Full-batch only: the closure must recompute the loss on the same data.
    """

    torch_class = torch.optim.LBFGS
    needs_closure = True

    def __init__(self, learning_rate: float | Callable = 1.0, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = "strong_wolfe", name: str = "LBFGS"):
        super().__init__(learning_rate, name=name)
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"{name}: line_search_fn must be None or 'strong_wolfe', "
                             f"got {line_search_fn!r}")
        for k, v in (("max_iter", max_iter), ("history_size", history_size)):
            if not (isinstance(v, int) and v >= 1):
                raise ValueError(f"{name}: {k} must be an integer >= 1, got {v!r}")
        self.max_iter, self.max_eval, self.history_size = max_iter, max_eval, history_size
        self.tolerance_grad, self.tolerance_change = tolerance_grad, tolerance_change
        self.line_search_fn = line_search_fn

    def _torch_kwargs(self) -> dict:
        return {"lr": self.learning_rate, "max_iter": self.max_iter,
                "max_eval": self.max_eval, "tolerance_grad": self.tolerance_grad,
                "tolerance_change": self.tolerance_change, "history_size": self.history_size,
                "line_search_fn": self.line_search_fn}


OPTIMIZERS.add("lbfgs")(LBFGS)
