"""The fit loop: ``compile`` / ``fit`` / ``evaluate`` / ``predict`` for any nnlab model.

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
import math
import time
from typing import Any, Dict, List, Optional

import numpy as np
import torch

from .. import activations
from ..models.fast_call import call_layer
from ..models.masking import get_mask, set_mask
from ..tree import first_leaf
from . import losses as losses_mod
from . import metrics as metrics_mod
from . import optimizers as optimizers_mod
from .callbacks import CallbackList, TerminateOnNaN
from .checkpoint import CheckpointState, optimizers_of
from .custom_step import CustomStepMixin, overrides
from .data_adapter import ArrayData, adapt
from .first_batch_checks import check_embedding_ids, check_first_batch
from .history import History
from .inference import InferenceMixin, cpu_allocator_tuning
from .loss_tracker import LossTracker
from .structure import as_list, output_layer, outputs
from .targets import check_targets
from .progress import Progress
from .run_fingerprint import fingerprint

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
        self.metric_specs = self._metric_specs(metrics, names)
        if precision not in (None, "bf16", "fp16", "fp32"):
            raise ValueError(f"precision must be None, 'bf16' or 'fp16', got {precision!r}")
        self.precision = None if precision == "fp32" else precision
        self.jit = jit
        self._compiled_forward = None
        self._ddp = None  # DistributedDataParallel wrapper during fit(distributed=True)
        self._fused: Optional[list] = None
        self._regularized = False
        self._single = len(names) == 1 and self.losses[0] is not None

    # ------------------------------------------------------------- set-up
    @staticmethod
    def _metric_specs(metrics: Any, names: List[str]) -> List[List[Any]]:
        if metrics is None:
            return [[] for _ in names]
        if isinstance(metrics, dict):
            return [list(metrics.get(n, []) if isinstance(metrics.get(n, []), (list, tuple))
                         else [metrics[n]]) for n in names]
        if not isinstance(metrics, (list, tuple)):
            raise TypeError(f"metrics must be a list (or a dict per output), got "
                            f"{type(metrics).__name__}")
        if len(names) > 1 and metrics and all(isinstance(m, (list, tuple)) for m in metrics):
            return [list(m) for m in metrics]
        return [list(metrics) for _ in names]

    def _new_metrics(self) -> List[List[Any]]:
        out = []
        for specs, loss in zip(self.metric_specs, self.losses):
            loss_name = getattr(loss, "name", None)
            out.append([metrics_mod.get(m, loss=loss_name) if isinstance(m, str)
                        else metrics_mod.get(m) for m in specs])
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
        if self._ddp is not None:  # fit(distributed=True): DDP's forward syncs gradients
            return self._ddp(x)
        # a batch tensor: the model's forward without its wrapper frames when unobserved
        return call_layer(self.model, x) if type(x) is torch.Tensor else self.model(x)

    def _loss(self, y, y_pred, sample_weight, fused: bool):
        if self._single and sample_weight is None and not self._regularized:
            fn = self._fused[0][4] if fused else self.losses[0]
            value = fn(y, y_pred)
            return value if self.loss_weights[0] == 1.0 else value * self.loss_weights[0]
        preds = outputs(y_pred)
        targets = outputs(y)
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
        targets = outputs(y)
        probs: Dict[int, torch.Tensor] = {}
        fused_kind = {f[0]: f[3] for f in self._fused} if fused else {}
        with torch.no_grad():
            for i, group in enumerate(metrics):
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
            loss.backward()
            if self.clipnorm is not None or self.clipvalue is not None or \
                    self.global_clipnorm is not None:
                optimizers_mod.clip_gradients(model.parameters(), self.clipnorm, self.clipvalue,
                                              self.global_clipnorm)
            optimizer.step()
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
            distributed: bool = False) -> History:
        """Train for ``epochs`` epochs; returns a :class:`History`.

        Inputs: arrays/tensors (lists or dicts for several inputs/outputs), a torch
        Dataset/DataLoader or a generator of ``(x, y)`` batches. ``augment``: a callable
        applied to each training batch of x (e.g. ``nnlab.data.transforms``).
        ``checkpoint_dir``: write a crash-safe checkpoint every epoch and resume from
        it when the same call is made again (a checkpoint of another run is refused,
        or replaced with a warning when ``checkpoint_mismatch="restart"``; see
        :mod:`nnlab.training.checkpoint`). ``terminate_on_nan`` (or a
        ``TerminateOnNaN()`` callback): stop at a NaN/inf loss and restore the last
        finite weights. ``distributed=True``: data-parallel (DDP) under ``torchrun`` or
        ``nnlab.distributed.launch`` (:mod:`nnlab.distributed.fit`).
        """
        if not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"epochs must be an int >= 0, got {epochs!r}")
        if self.optimizer_spec is None:
            raise RuntimeError("Model must be compiled with an optimizer before fit()")
        custom = overrides(self.model)
        if not custom and all(loss is None for loss in self.losses):
            raise RuntimeError("compile() was given no loss: model.compile(optimizer, loss=...)")
        batch_size = 32 if batch_size is None else batch_size
        self._ddp = None
        if distributed:  # shard per rank, DDP forward, rank-0 checkpoint and progress
            from ..distributed.fit import prepare_fit
            x, y, sample_weight, verbose, callbacks, checkpoint_dir, initial_epoch = prepare_fit(
                self, x, y, sample_weight, batch_size, shuffle, verbose, callbacks,
                checkpoint_dir, checkpoint_mismatch, initial_epoch)
        data = adapt(x, y, sample_weight, batch_size, shuffle, steps_per_epoch)
        cpu_allocator_tuning(self.model)
        val = None
        if validation_data is not None:
            if isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3):
                val = adapt(*validation_data[:2], batch_size=validation_batch_size or batch_size,
                            what="validation x")
            else:
                val = adapt(validation_data, batch_size=validation_batch_size or batch_size)
        elif validation_split:
            if not isinstance(data, ArrayData):
                raise ValueError("validation_split needs in-memory arrays; pass "
                                 "validation_data for a Dataset or generator")
            data, val = data.split(validation_split)
        if custom:  # the model's own train_step (custom_step.py)
            return self._fit_custom(data, val, epochs, initial_epoch, batch_size,
                                    validation_batch_size, shuffle, augment, verbose, callbacks,
                                    checkpoint_dir, terminate_on_nan, checkpoint_mismatch)
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

        history = History()
        steps = data.num_batches(batch_size)
        params = {"epochs": epochs, "steps": steps, "verbose": verbose}
        callbacks = list(callbacks or [])
        guard = next((cb for cb in callbacks if isinstance(cb, TerminateOnNaN)), None)
        if guard is None and terminate_on_nan:
            guard = TerminateOnNaN()
            callbacks.append(guard)
        cbs = CallbackList(callbacks + [history], self.model, params)  # Keras: History last
        ckpt = CheckpointState(checkpoint_dir, checkpoint_mismatch) if checkpoint_dir else None
        was_training = self.model.training
        with ckpt if ckpt is not None else contextlib.nullcontext():
            if ckpt is not None:
                run = fingerprint(self.model, optimizers_of(self), data, batch_size)
                initial_epoch = max(initial_epoch, ckpt.restore(self, history, run, epochs))
            self.model.stop_training = False
            progress = Progress(verbose, epochs, steps)
            batch_logs = cbs.wants("on_train_batch_end") or cbs.wants("on_train_batch_begin")
            cbs.call("on_train_begin", {})
            if ckpt is not None:
                ckpt.restore_callbacks(cbs.callbacks)
            prevalidated = losses_mod.labels_prevalidated() if isinstance(data, ArrayData) \
                and (val is None or isinstance(val, ArrayData)) else contextlib.nullcontext()
            try:
                with prevalidated:
                    self._epochs(data, val, epochs, initial_epoch, batch_size,
                                 validation_batch_size, shuffle, augment, guard, cbs, progress,
                                 history, ckpt, batch_logs)
            finally:
                self.model.train(was_training)  # direct calls after fit run inference again
            cbs.call("on_train_end", {})
        self.model.history = history
        return history

    def _epochs(self, data, val, epochs, initial_epoch, batch_size, validation_batch_size,
                shuffle, augment, guard, cbs, progress, history, ckpt, batch_logs) -> None:
        """The epoch loop of :meth:`fit` (arguments already checked)."""
        transform = cbs.wants("transform_train_batch")
        first = True
        for epoch in range(initial_epoch, epochs):
            cbs.call("on_epoch_begin", epoch, {})
            self.model.train()
            metrics = self._new_metrics()
            tracker = LossTracker()
            progress.epoch_begin(epoch)
            step = 0
            for step, (xb, yb, wb) in enumerate(data.batches(batch_size, shuffle), start=1):
                if augment is not None:
                    xb = augment(xb)
                if first:  # before the first optimizer step (mistakes raise here)
                    check_first_batch(self, xb, yb, wb)
                    first = False
                if transform:
                    xb, yb = cbs.transform_train_batch(xb, yb)
                if batch_logs:
                    cbs.call("on_train_batch_begin", step - 1, {})
                loss = self._train_step(xb, yb, wb, metrics)
                tracker.add(loss, xb.shape[0] if type(xb) is torch.Tensor else
                            len(first_leaf(xb)))
                now = time.perf_counter()
                if batch_logs:
                    cbs.call("on_train_batch_end", step - 1, self._logs(tracker, metrics))
                if progress.due(now):
                    if guard is not None:
                        guard.check(tracker, epoch, step)
                    progress.update(step, tracker.samples, lambda: self._logs(tracker, metrics),
                                    now)
                if self.model.stop_training:
                    break
            if guard is not None and guard.check(tracker, epoch, step):
                progress.epoch_end(epoch, step, tracker.samples, {})
                break
            logs = self._logs(tracker, metrics)
            if val is not None:
                val_logs = self._evaluate_data(val, validation_batch_size or batch_size)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            progress.epoch_end(epoch, step, tracker.samples, logs)
            cbs.call("on_epoch_end", epoch, logs)
            if ckpt is not None:
                ckpt.save(self, epoch, history, cbs.callbacks)
            if self.model.stop_training:
                break

    def _logs(self, tracker: LossTracker, metrics) -> Dict[str, float]:
        logs = {"loss": tracker.mean()}
        for i, group in enumerate(metrics):
            for metric in group:
                value = metric.result()
                logs[self._metric_name(i, metric)] = float(value) if np.ndim(value) == 0 \
                    else value
        return logs

    # ---------------------------------------------------------- single batches
    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                       return_dict: bool = False):
        """One gradient step on one batch; returns its loss (and metrics)."""
        data = adapt(x, y, sample_weight, None)
        if overrides(self.model):  # the model's own train_step
            from .custom_step import pack_x_y_sample_weight, pythonify_logs
            self._prepare_custom()
            was_training = self.model.training
            self.model.train()
            self.model.reset_metrics()
            try:
                logs = pythonify_logs(self.model.train_step(
                    pack_x_y_sample_weight(data.x, data.y, data.sample_weight)), "train_step")
            finally:
                self.model.train(was_training)
            return logs if return_dict else (list(logs.values())[0] if len(logs) == 1
                                             else list(logs.values()))
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
        logs = self._logs(tracker, metrics)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values
