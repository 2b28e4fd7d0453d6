"""Knowledge distillation (Hinton, Vinyals and Dean, 2015) as an nnlab Model trained by
``fit`` through Keras 3's custom ``train_step`` contract (``nnlab.training.custom_step``),
following keras-io's "Knowledge Distillation" example.

Teacher and student output *logits* ``(batch, classes)``. Each step minimises

    alpha * CE(y, student) + (1 - alpha) * T^2 * KL(softmax(teacher/T) || softmax(student/T))

(the ``T^2`` keeps the soft-target gradients on the hard-target scale, as the paper
notes). Only the student's weights are updated; the teacher runs in inference mode under
``no_grad`` and is not modified. ``evaluate``/``predict``/``model(x)`` use the student.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from ..layers.base.layer import Layer
from ..layers.base.torch_module import call_in_mode
from ..models.model import Model


def run(module: torch.nn.Module, x: Any, training: bool) -> torch.Tensor:
    """``module(x)`` in training or inference mode, also for a plain torch teacher or
    student (see :func:`~nnlab.layers.base.torch_module.call_in_mode`)."""
    return call_in_mode(module, x if isinstance(module, Layer) else torch.as_tensor(x),
                        training)


__all__ = ["Distiller"]


class Distiller(Model):
    """``Distiller(teacher, student, temperature=3.0, alpha=0.1)``; then
    ``compile(optimizer, metrics=[...])`` and ``fit(x, y)`` with integer labels ``y``.

    Batch logs: ``loss``, ``student_loss``, ``distillation_loss`` and the compiled metrics
    of the student's predictions.
    """

    def __init__(self, teacher, student, temperature: float = 3.0, alpha: float = 0.1, **kwargs):
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) \
                or temperature <= 0:
            raise ValueError(f"temperature must be a positive number, got {temperature!r}")
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 <= alpha <= 1:
            raise ValueError(f"alpha must be a number in [0, 1], got {alpha!r}")
        super().__init__(**kwargs)
        self.teacher = teacher
        self.student = student
        self.temperature = float(temperature)
        self.alpha = float(alpha)
        from ..metrics import Mean
        self._student_tracker = Mean(name="student_loss")
        self._distill_tracker = Mean(name="distillation_loss")
        self.built = True

    def compile(self, optimizer: Any = "adam", metrics: Any = None, **kwargs: Any) -> None:
        from ..losses import SparseCategoricalCrossentropy
        loss = kwargs.pop("loss", None) or SparseCategoricalCrossentropy(from_logits=True)
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)

    @property
    def metrics(self):
        return list(super().metrics) + [self._student_tracker, self._distill_tracker]

    def call(self, x, training: bool = False):
        return run(self.student, x, bool(training))

    def _losses(self, x, y, student_logits):
        with torch.no_grad():
            teacher_logits = run(self.teacher, x, False)
        y = torch.as_tensor(y).reshape(-1).long()
        student_loss = F.cross_entropy(student_logits, y)
        t = self.temperature
        distill = F.kl_div(F.log_softmax(student_logits / t, -1), F.softmax(teacher_logits / t, -1),
                           reduction="batchmean") * t * t
        return student_loss, distill

    def train_step(self, data):
        from ..utils.packing import unpack_x_y_sample_weight
        x, y, _ = unpack_x_y_sample_weight(data)
        self.zero_grad()
        logits = run(self.student, x, True)
        student_loss, distill = self._losses(x, y, logits)
        loss = self.alpha * student_loss + (1.0 - self.alpha) * distill
        loss.backward()
        weights = [w for w in self.student.parameters() if w.requires_grad]
        with torch.no_grad():
            self.optimizer.apply([w.grad for w in weights], weights)
        return self._logs(x, y, logits, loss, student_loss, distill)

    def test_step(self, data):
        from ..utils.packing import unpack_x_y_sample_weight
        x, y, _ = unpack_x_y_sample_weight(data)
        logits = run(self.student, x, False)
        student_loss, distill = self._losses(x, y, logits)
        return self._logs(x, y, logits, student_loss, student_loss, distill)

    def _logs(self, x, y, logits, loss, student_loss, distill):
        n = len(logits)
        tracker = self._step_trainer("train_step").loss_tracker
        if tracker is not None:
            tracker.update_state(loss.detach(), sample_weight=n)
        self._student_tracker.update_state(student_loss.detach(), sample_weight=n)
        self._distill_tracker.update_state(distill.detach(), sample_weight=n)
        logs = self.compute_metrics(x, y, logits.detach())
        logs.update({"student_loss": self._student_tracker.result(),
                     "distillation_loss": self._distill_tracker.result()})
        return logs

