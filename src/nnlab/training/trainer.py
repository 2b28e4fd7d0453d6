"""The trainer: ``compile`` / ``fit`` / ``evaluate`` / ``predict`` for any nnlab model.

``fit`` checks its arguments (:mod:`.fit_arguments`), prepares the data and runs the one
epoch loop (:mod:`.epoch_loop`) with this file's built-in step (through
:mod:`.builtin_step`) or the model's own ``train_step`` (:mod:`.custom_step`).

It reads top to bottom. Per training step it does exactly what a hand-written PyTorch
loop does -- slice a batch, forward, loss, ``backward``, (clip), ``step``,
``zero_grad(set_to_none=True)`` -- plus two on-device bookkeeping ops (the step's loss
into a list, the metrics' running sums). Nothing reads a value back to the host
per step: the progress bar and the NaN check read the running sums at most every
0.2 s. Softmax (or sigmoid) + cross-entropy is fused: the final activation is skipped
during training and the loss is computed from logits with log-softmax.
"""
from __future__ import annotations

import contextlib
import copy
import math
from typing import Any, Dict, List, Optional

import numpy as np
import torch

from .. import activations
from .. import losses as losses_mod
from .. import metrics as metrics_mod
from .. import optimizers as optimizers_mod
from ..callbacks import History
from ..layers.base.fast_call import call_layer
from ..layers.base.masking import get_mask, set_mask
from ..utils.allocator import reuse_large_blocks
from .builtin_step import BuiltinStep
from .custom_step import CustomStepMixin, ModelStep, overrides
from .data_adapter import ArrayData, adapt
from .distributed_hook import distributed_fit_preparer
from .epoch_loop import TrainStep, new_run, run_fit
from .first_batch_checks import check_embedding_ids
from .fit_arguments import FitArguments
from .fit_thread import check_not_fitting
from .inference import InferenceMixin
from .loss_tracker import LossTracker
from .memory_format import finish_fit as finish_memory_format
from .memory_format import prepare_fit as prepare_memory_format
from .structure import (as_list, metrics_per_output, output_layer, outputs,
                        spread_targets)
from .targets import check_targets
from ..models.training_methods import register_trainer

_ARGMAX_METRICS = ("CategoricalAccuracy", "SparseCategoricalAccuracy", "AutoAccuracy",
                   "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy")


class Trainer(InferenceMixin, CustomStepMixin):
    """What ``model.compile(...)`` creates; ``model.fit`` etc. call into it.

    Args:
        optimizer: name (``"adam"``), nnlab optimizer spec, or a ``torch.optim.Optimizer``.
        loss: name, Loss object or callable ``(y_true, y_pred)``; per output as a
            list/dict for multi-output models.
        metrics: list of names/objects (per output as a dict), e.g. ``["accuracy"]``.
        loss_weights: per-output weights of the total loss.
        precision: ``None`` (float32), ``"bf16"`` (autocast, CPU or GPU) or ``"fp16"`` (GPU).
        jit: compile the model's forward with ``torch.compile``.
    """

    def __init__(self, model, optimizer: Any = "rmsprop", loss: Any = None, metrics: Any = None,
                 loss_weights: Any = None, precision: Optional[str] = None, jit: bool = False,
                 weighted_metrics: Any = None, run_eagerly: Any = None,
                 steps_per_execution: Any = None):
        if weighted_metrics is not None:
            raise NotImplementedError("compile(weighted_metrics=...) is not supported: pass "
                                      "metrics=[...] (fit's sample_weight weights the loss)")
        # run_eagerly / steps_per_execution are Keras graph-mode knobs: torch is eager.
        self.model = model
        self.optimizer_spec = optimizer
        self.spec = optimizers_mod.as_spec(optimizer)  # model.optimizer (apply(), state)
        self.optimizer: Optional[torch.optim.Optimizer] = \
            optimizer if isinstance(optimizer, torch.optim.Optimizer) else None
        self.clipnorm = getattr(optimizer, "clipnorm", None)
        self.clipvalue = getattr(optimizer, "clipvalue", None)
        self.global_clipnorm = getattr(optimizer, "global_clipnorm", None)
        self.schedule = getattr(optimizer, "schedule", None)  # step -> lr, applied every step
        self.iterations = 0  # optimizer steps taken (Keras' optimizer.iterations)
        self.needs_closure = bool(getattr(optimizer, "needs_closure", False)) or (
            isinstance(optimizer, str) and optimizer.lower() == "lbfgs") or isinstance(
            optimizer, torch.optim.LBFGS)
        names = list(getattr(model, "output_names", None) or ["output"])
        self.output_names = names
        self.losses = [losses_mod.get(item) for item in as_list(loss, names, "loss")]
        weights = as_list(loss_weights, names, "loss_weights") if loss_weights is not None \
            else [1.0] * len(names)
        self.loss_weights = [1.0 if w is None else float(w) for w in weights]
        self.metric_specs = metrics_per_output(metrics, names)
        if precision not in (None, "bf16", "fp16", "fp32"):
            raise ValueError(f"precision must be None, 'bf16' or 'fp16', got {precision!r}")
        self.precision = None if precision == "fp32" else precision
        # fp16 needs loss scaling (small gradients underflow in half precision); bf16 not
        self.loss_scaler = torch.amp.GradScaler("cuda") \
            if precision == "fp16" and torch.cuda.is_available() else None
        self.jit = jit
        self._compiled_forward = None
        self._train_forward = None  # set_train_forward(): e.g. DDP in fit(distributed=True)
        self._fused: Optional[list] = None
        self._regularized = False
        self._single = len(names) == 1 and self.losses[0] is not None

    # ------------------------------------------------------------- set-up
    def _new_metrics(self, private: bool = False) -> List[List[Any]]:
        """The compiled metrics with empty state, one list per output: names and classes
        are instantiated afresh; a Metric object given to ``compile`` is reset and used
        itself, as Keras does (``private=True``: a reset copy, for a dry run that must not
        touch the live state). Without the reset, an object carried the previous epoch's
        or fit's counts into the next epoch and into ``evaluate``."""
        out = []
        for specs, loss in zip(self.metric_specs, self.losses):
            group = []
            for m in specs:  # the loss itself: "accuracy" follows its from_logits too
                metric = metrics_mod.get(m, loss=loss) if isinstance(m, str) \
                    else metrics_mod.get(m)
                if metric is m:
                    metric = copy.deepcopy(m) if private else m
                    metric.reset_state()
                group.append(metric)
            out.append(group)
        return out

    def _metric_name(self, i: int, metric) -> str:
        return metric.name if len(self.output_names) == 1 else \
            f"{self.output_names[i]}_{metric.name}"

    def _ensure_optimizer(self) -> None:
        if self.optimizer is not None:
            return
        if self.optimizer_spec is None:
            raise RuntimeError("compile() was given no optimizer")
        params = [p for p in self.model.parameters() if p.requires_grad]
        if not params:
            raise ValueError(f"Model {self.model.name!r} has no trainable weights (all frozen?)")
        self.optimizer = self.spec.build(params)

    def _find_fusions(self) -> list:
        """Output layers whose final softmax/sigmoid can be fused into the loss."""
        fused = []
        for i, loss in enumerate(self.losses):
            layer = output_layer(self.model, i)
            if layer is None or loss is None:
                continue
            for attr in ("activation", "fn"):
                fn = layer.__dict__.get(attr)
                if fn is activations.softmax and getattr(loss, "fusable_with_softmax", False):
                    fused.append((i, layer, attr, fn, loss.from_logits_version()))
                elif fn is activations.sigmoid and getattr(loss, "fusable_with_sigmoid", False):
                    fused.append((i, layer, attr, fn, loss.from_logits_version()))
        return fused

    def _autocast(self):
        if self.precision is None:
            return contextlib.nullcontext()
        device = next(self.model.parameters()).device.type
        if self.precision == "fp16" and device != "cuda":
            raise ValueError("precision='fp16' needs a GPU; use precision='bf16' on the CPU")
        dtype = torch.bfloat16 if self.precision == "bf16" else torch.float16
        return torch.autocast(device, dtype=dtype)

    # ---------------------------------------------------------- checks
    def _probe(self, data) -> List[torch.Size]:
        """Build the model if needed and learn its output shapes from two samples."""
        if isinstance(data, ArrayData):
            xb = data.take(slice(0, 2)).x
        else:
            return []
        was_training = self.model.training
        self.model.eval()
        with torch.no_grad():
            out = self.model(xb)
        self.model.train(was_training)
        return [o.shape for o in outputs(out)]

    def _check_targets(self, data, out_shapes: List[torch.Size]) -> None:
        if isinstance(data, ArrayData) and data.y is not None and out_shapes:
            check_targets(data.y, out_shapes, self.output_names, self.losses,
                          self.output_layer_names())

    def output_layer_names(self) -> List[str]:
        return [getattr(output_layer(self.model, i), "name", None) or n
                for i, n in enumerate(self.output_names)]

    # ---------------------------------------------------------- one step
    def _forward(self, x):
        if self._compiled_forward is not None:
            return self._compiled_forward(x)
        if self._train_forward is not None:  # e.g. DDP, whose forward syncs gradients
            return self._train_forward(x)
        # a batch tensor: the model's forward without its wrapper frames when unobserved
        return call_layer(self.model, x) if type(x) is torch.Tensor else self.model(x)

    def _loss(self, y, y_pred, sample_weight, fused: bool):
        if self._single and sample_weight is None and not self._regularized:
            fn = self._fused[0][4] if fused else self.losses[0]
            value = fn(y, y_pred)
            return value if self.loss_weights[0] == 1.0 else value * self.loss_weights[0]
        preds = outputs(y_pred)
        targets = spread_targets(y, self.losses)
        total = None
        fused_index = {f[0]: f[4] for f in self._fused} if fused else {}
        for i, (loss, w) in enumerate(zip(self.losses, self.loss_weights)):
            if loss is None:
                continue
            fn = fused_index.get(i, loss)
            value = fn(targets[i], preds[i], sample_weight) if sample_weight is not None \
                else fn(targets[i], preds[i])
            term = value if w == 1.0 else value * w
            total = term if total is None else total + term
        if self._regularized:
            total = total + self.model.regularization_loss()
        return total

    def _update_metrics(self, metrics, y, y_pred, fused: bool) -> None:
        preds = outputs(y_pred)
        targets = spread_targets(y, self.losses)
        self._targeted = [t is not None for t in targets]  # Keras: no targets, no metrics
        probs: Dict[int, torch.Tensor] = {}
        fused_kind = {f[0]: f[3] for f in self._fused} if fused else {}
        with torch.no_grad():
            for i, group in enumerate(metrics):
                if targets[i] is None:
                    continue
                for metric in group:
                    pred = preds[i]
                    if i in fused_kind and type(metric).__name__ not in _ARGMAX_METRICS:
                        if i not in probs:
                            probs[i] = fused_kind[i](pred.float())
                            set_mask(probs[i], get_mask(pred))
                        pred = probs[i]
                    metric.update_state(targets[i], pred)

    def _predict_train(self, x, fused: bool):
        """Forward pass for training; with fusion the final softmax/sigmoid is skipped."""
        if not fused:
            return self._forward(x)
        for _, layer, attr, _, _ in self._fused:
            layer.__dict__[attr] = activations.linear
        try:
            return self._forward(x)
        finally:
            for _, layer, attr, fn, _ in self._fused:
                layer.__dict__[attr] = fn

    def _compute(self, x, y, sample_weight, fused: bool):
        if self.precision is None:
            y_pred = self._predict_train(x, fused)
            return y_pred, self._loss(y, y_pred, sample_weight, fused)
        with self._autocast():
            y_pred = self._predict_train(x, fused)
            return y_pred, self._loss(y, y_pred, sample_weight, fused)

    def set_learning_rate(self, lr: float) -> None:
        """Set the learning rate of every parameter group (e.g. from a callback)."""
        if not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr < 0:
            raise ValueError(f"learning rate must be a finite number >= 0, got {lr!r}")
        self._ensure_optimizer()
        for group in self.optimizer.param_groups:
            group["lr"] = float(lr)

    @property
    def learning_rate(self) -> float:
        self._ensure_optimizer()
        return self.optimizer.param_groups[0]["lr"]

    def _train_step(self, x, y, sample_weight, metrics):
        model, optimizer = self.model, self.optimizer
        fused = bool(self._fused) and self._compiled_forward is None
        if self.schedule is not None:
            for group in optimizer.param_groups:
                group["lr"] = float(self.schedule(self.iterations))
        self.iterations += 1
        if self.needs_closure:
            holder = {}

            def closure():
                optimizer.zero_grad(set_to_none=True)
                holder["y_pred"], holder["loss"] = self._compute(x, y, sample_weight, fused)
                holder["loss"].backward()
                return holder["loss"]

            optimizer.step(closure)
            y_pred, loss = holder["y_pred"], holder["loss"]
        else:
            y_pred, loss = self._compute(x, y, sample_weight, fused)
            scaler = self.loss_scaler
            (loss if scaler is None else scaler.scale(loss)).backward()
            if self.clipnorm is not None or self.clipvalue is not None or \
                    self.global_clipnorm is not None:
                if scaler is not None:
                    scaler.unscale_(optimizer)  # clip the true gradients
                optimizers_mod.clip_gradients(model.parameters(), self.clipnorm, self.clipvalue,
                                              self.global_clipnorm)
            if scaler is None:
                optimizer.step()
            else:  # skips the step when a scaled gradient overflowed, then adapts the scale
                scaler.step(optimizer)
                scaler.update()
            optimizer.zero_grad(set_to_none=True)
        if metrics and any(metrics):
            self._update_metrics(metrics, y, y_pred, fused)
        return loss.detach()

    # ------------------------------------------------------------- fit
    def fit(self, x: Any = None, y: Any = None, batch_size: Optional[int] = None,
            epochs: int = 1, verbose: int = 1, callbacks: Optional[list] = None,
            validation_split: float = 0.0, validation_data: Any = None, shuffle: bool = True,
            initial_epoch: int = 0, steps_per_epoch: Optional[int] = None,
            validation_batch_size: Optional[int] = None, sample_weight: Any = None,
            checkpoint_dir: Optional[str] = None, augment: Any = None,
            terminate_on_nan: bool = True, checkpoint_mismatch: str = "error",
            distributed: bool = False, checkpoint_every: Optional[int] = None) -> History:
        """Train for ``epochs`` epochs; returns a :class:`History`.

        Inputs: arrays/tensors (lists or dicts for several inputs/outputs), a torch
        Dataset/DataLoader or a generator of ``(x, y)`` batches. ``augment``: a callable
        applied to each training batch of x (e.g. ``nnlab.data.transforms``).
        ``checkpoint_dir``: write a crash-safe checkpoint every epoch and resume from
        it when the same call is made again (a checkpoint of another run is refused,
        or replaced with a warning when ``checkpoint_mismatch="restart"``; see
        :mod:`nnlab.training.checkpoint`); ``checkpoint_every=N`` also writes it after
        every N training steps inside an epoch (a mid-epoch checkpoint, as on SIGTERM:
        :mod:`nnlab.training.preemption`). ``terminate_on_nan`` (or a
        ``TerminateOnNaN()`` callback): stop at a NaN/inf loss and restore the last
        finite weights. ``distributed=True``: data-parallel (DDP) under ``torchrun`` or
        ``nnlab.distributed.launch`` (:mod:`nnlab.distributed.fit`).

        The epochs run in :mod:`nnlab.training.epoch_loop`, with the fused built-in step
        (:class:`BuiltinStep`) or, when the model overrides ``train_step`` & co, its own
        (:class:`~nnlab.training.custom_step.ModelStep`).
        """
        check_not_fitting(self.model, "fit")  # before anything touches the model
        args = FitArguments(
            x=x, y=y, batch_size=batch_size, epochs=epochs, verbose=verbose,
            callbacks=callbacks, validation_split=validation_split,
            validation_data=validation_data, shuffle=shuffle, initial_epoch=initial_epoch,
            steps_per_epoch=steps_per_epoch, validation_batch_size=validation_batch_size,
            sample_weight=sample_weight, checkpoint_dir=checkpoint_dir, augment=augment,
            terminate_on_nan=terminate_on_nan, checkpoint_mismatch=checkpoint_mismatch,
            distributed=distributed, checkpoint_every=checkpoint_every).targets_by_name(self.order_targets)
        step = self._fit_step()
        self._train_forward = None  # a forward wrapper lives for one fit
        if args.distributed:  # shard per rank, DDP forward, rank-0 checkpoint and progress
            args = distributed_fit_preparer()(self, args)
        data, val = args.datasets()
        with reuse_large_blocks(self.model):  # CPU: activations above 32 MiB reused too
            if isinstance(step, BuiltinStep):  # a model's own train_step feeds x its own way
                prepare_memory_format(self.model, data, val, args.batch_size or 32)
            step.prepare(data, val)
            try:
                return run_fit(new_run(self.model, args, data, val), step)
            finally:
                finish_memory_format(self.model)

    def _fit_step(self) -> TrainStep:
        """Check that the compiled model can be fit; the step that trains it."""
        if self.optimizer_spec is None:
            raise RuntimeError("Model must be compiled with an optimizer before fit()")
        if overrides(self.model):  # the model's own train_step (custom_step.py)
            return ModelStep(self)
        if all(loss is None for loss in self.losses):
            raise RuntimeError("compile() was given no loss: model.compile(optimizer, loss=...)")
        return BuiltinStep(self)

    def _prepare_builtin(self, data, val) -> None:
        """Before the first built-in step: shapes and targets checked against the model
        (validation data too), the optimizer built, softmax/sigmoid fusions found."""
        out_shapes = self._probe(data)
        self._check_targets(data, out_shapes)
        if isinstance(data, ArrayData):
            check_embedding_ids(self.model, data.x)
        if isinstance(val, ArrayData):  # its x through the model too, before training
            self._check_targets(val, self._probe(val))
        self._ensure_optimizer()
        self._regularized = any(getattr(m, "_regularized", None) for m in self.model.modules())
        self._fused = self._find_fusions()
        if self.jit and self._compiled_forward is None:
            self._compiled_forward = torch.compile(self.model)

    def set_train_forward(self, forward: Optional[Any]) -> None:
        """Run the training forward passes of this fit through ``forward`` (a module
        wrapping ``self.model``, e.g. torch's ``DistributedDataParallel``) instead of the
        model itself; ``None`` goes back to the model. Meant for a callback's
        ``on_train_begin``/``on_train_end``: every ``fit`` starts without a wrapper."""
        self._train_forward = forward

    @property
    def train_forward(self) -> Optional[Any]:
        """The wrapper set by :meth:`set_train_forward`, or None."""
        return self._train_forward

    def _logs(self, tracker: LossTracker, metrics) -> Dict[str, float]:
        logs = {"loss": tracker.mean()}
        targeted = getattr(self, "_targeted", None) or [True] * len(metrics)
        for i, group in enumerate(metrics):
            if not targeted[i]:
                continue
            for metric in group:
                value = metric.result()
                logs[self._metric_name(i, metric)] = float(value) if np.ndim(value) == 0 \
                    else value
        return logs

    # ---------------------------------------------------------- single batches
    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                       return_dict: bool = False):
        """One gradient step on one batch; returns its loss (and metrics). On the CPU it
        runs in the allocator state of ``fit`` (a Keras loop of ``train_on_batch`` calls,
        as a GAN lecture writes, would otherwise fault its temporaries in at every step)."""
        data = adapt(x, y, sample_weight, None)
        with reuse_large_blocks(self.model):
            if overrides(self.model):  # the model's own train_step
                logs = self._train_on_batch_custom(data)
            else:
                logs = self._train_on_batch_builtin(data)
        return self._report(logs, 0, return_dict)

    def _train_on_batch_builtin(self, data) -> Dict[str, Any]:
        self._ensure_optimizer()
        self._regularized = any(getattr(m, "_regularized", None) for m in self.model.modules())
        if self._fused is None:
            self._check_targets(data, self._probe(data))
            self._fused = self._find_fusions()
        was_training = self.model.training
        self.model.train()
        metrics = self._new_metrics()
        tracker = LossTracker()
        try:
            tracker.add(self._train_step(data.x, data.y, data.sample_weight, metrics), data.n)
        finally:
            self.model.train(was_training)
        return self._logs(tracker, metrics)


register_trainer(Trainer)  # Model.compile/fit reach the trainer through this door
