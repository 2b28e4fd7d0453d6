"""keras-io ``knowledge_distillation`` (Keras 3): a Model overriding ``compute_loss`` and
compiled without ``loss=``. Keras tracks the returned loss: History has ``loss``,
``evaluate`` returns ``[loss, metric, ...]`` (so ``_, acc = model.evaluate(...)``
works). Written once, run with ``keras = nnlab`` and with Keras 3 (the dev oracle).
"""
import numpy as np
import pytest

import nnlab


def distill(keras):
    layers, ops = keras.layers, keras.ops

    class Distiller(keras.Model):
        def __init__(self, student, teacher):
            super().__init__()
            self.teacher = teacher
            self.student = student

        def compile(self, optimizer, metrics, student_loss_fn, distillation_loss_fn,
                    alpha=0.1, temperature=3):
            super().compile(optimizer=optimizer, metrics=metrics)
            self.student_loss_fn = student_loss_fn
            self.distillation_loss_fn = distillation_loss_fn
            self.alpha = alpha
            self.temperature = temperature

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                         allow_empty=False):
            teacher_pred = self.teacher(x, training=False)
            student_loss = self.student_loss_fn(y, y_pred)
            distillation_loss = self.distillation_loss_fn(
                ops.softmax(teacher_pred / self.temperature, axis=1),
                ops.softmax(y_pred / self.temperature, axis=1)) * (self.temperature ** 2)
            return self.alpha * student_loss + (1 - self.alpha) * distillation_loss

        def call(self, x):
            return self.student(x)

    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 6)).astype("float32")
    y = rng.integers(0, 4, size=(48,)).astype("int64")
    teacher = keras.Sequential([keras.Input((6,)), layers.Dense(4)])
    student = keras.Sequential([keras.Input((6,)), layers.Dense(4)])
    distiller = Distiller(student=student, teacher=teacher)
    distiller.compile(optimizer=keras.optimizers.Adam(),
                      metrics=[keras.metrics.SparseCategoricalAccuracy()],
                      student_loss_fn=keras.losses.SparseCategoricalCrossentropy(
                          from_logits=True),
                      distillation_loss_fn=keras.losses.KLDivergence(),
                      alpha=0.1, temperature=10)
    history = distiller.fit(x, y, epochs=2, batch_size=16, verbose=0)
    result = distiller.evaluate(x, y, verbose=0)
    _, acc = result
    return sorted(history.history), len(result), acc, history.history["loss"]


def test_overridden_compute_loss_is_tracked():
    keys, n, acc, losses = distill(nnlab)
    assert keys == ["loss", "sparse_categorical_accuracy"]
    assert n == 2 and 0.0 <= acc <= 1.0
    assert len(losses) == 2 and all(np.isfinite(losses)) and losses[0] > 0


def test_same_as_keras():
    keras = pytest.importorskip("keras")
    ours, theirs = distill(nnlab), distill(keras)
    assert ours[:2] == theirs[:2]
