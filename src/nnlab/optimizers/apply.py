"""Keras 3's imperative optimizer API on nnlab's optimizer specs (custom train steps).

``spec.apply(grads, variables)`` / ``spec.apply_gradients(zip(grads, variables))`` build
the torch optimizer over the variables on first use (or reuse the one ``fit`` built) and
run one ``step()``; ``state_dict()``/``load_state_dict()`` carry its state and
``iterations`` through fit's resume checkpoints (waiting for the build when needed).
"""
from __future__ import annotations

from collections.abc import Iterable

import torch

from ..utils.allocator import tune_malloc


class ApplyMixin:
    """Mixed into :class:`nnlab.optimizers.Optimizer` (which provides ``build``,
    ``clip_gradients``, ``schedule``, ``needs_closure``, ``name`` and ``_torch``)."""

    def apply(self, grads: Iterable[torch.Tensor | None],
              trainable_variables: Iterable[torch.Tensor]) -> None:
        """One update of ``trainable_variables`` with ``grads`` (two aligned lists).

        The torch optimizer over the variables is built on first use (or the one
        ``fit`` built is reused; variables it does not hold yet join it as a new param
        group), each ``grads[i]`` becomes ``variables[i].grad`` (``None`` skips the
        variable), the spec's clipping and schedule apply, and ``step()`` runs. Other
        parameters of that torch optimizer are left untouched (their gradients are set
        aside during the step), so two specs can update two halves of a GAN.
        """
        grads = list(grads)
        variables = [getattr(v, "value", v) for v in trainable_variables]
        if len(grads) != len(variables):
            raise ValueError(f"{self.name}.apply: got {len(grads)} gradients for "
                             f"{len(variables)} variables; pass two aligned lists")
        if not variables:
            return
        if self.needs_closure:
            raise ValueError(f"{self.name} needs a closure re-evaluating the loss; it cannot "
                             f"be used with apply() in a custom train_step")
        opt = self._optimizer_for(variables)
        chosen = {id(v) for v in variables}
        aside = [(p, p.grad) for group in opt.param_groups for p in group["params"]
                 if id(p) not in chosen and p.grad is not None]
        for p, _ in aside:
            p.grad = None
        for g, v in zip(grads, variables):
            if g is None or v.grad is not g:
                v.grad = g
        if self.clipnorm is not None or self.clipvalue is not None or \
                self.global_clipnorm is not None:
            self.clip_gradients(variables)
        if self.schedule is not None:
            for group in opt.param_groups:
                group["lr"] = float(self.schedule(self.iterations))
        with torch.no_grad():
            opt.step()
        for p, g in aside:
            p.grad = g
        self.iterations += 1

    def apply_gradients(self, grads_and_vars: Iterable[tuple]) -> None:
        """``apply`` for ``zip(grads, variables)`` (Keras' older spelling)."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def _optimizer_for(self, variables: list) -> torch.optim.Optimizer:
        if self._torch is None:
            if variables[0].device.type == "cpu":  # a GradientTape-style loop on the CPU:
                tune_malloc()  # the allocator pinned as fit pins it (once per process)
            self.build(variables)  # (loads a state given before the build)
            return self._torch
        known = {id(p) for group in self._torch.param_groups for p in group["params"]}
        new = [v for v in variables if id(v) not in known]
        if new:
            self._torch.add_param_group({"params": new})
        return self._torch

    def _load_torch_state(self, state: dict) -> None:
        try:
            self._torch.load_state_dict(state)
        except (ValueError, KeyError) as exc:
            raise ValueError(f"{self.name}: the saved optimizer state does not fit the "
                             f"variables it now updates ({exc})") from exc

    def state_dict(self) -> dict:
        """The torch optimizer's state (empty before the first update) and ``iterations``."""
        return {"iterations": self.iterations,
                "torch": self._torch.state_dict() if self._torch is not None else {}}

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`; before the optimizer is built (by ``fit`` or the
        first ``apply``) the torch state waits for the build."""
        self.iterations = int(state.get("iterations", 0))
        saved = state.get("torch") or None
        if saved is None:
            return
        if self._torch is None:
            self._pending_state = saved
        else:
            self._load_torch_state(saved)
