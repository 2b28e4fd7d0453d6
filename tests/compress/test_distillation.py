import copy

import numpy as np
import pytest
import torch

from nnlab.compress.distillation import Distiller
from nnlab.layers import Dense
from nnlab.losses import SparseCategoricalCrossentropy
from nnlab.models import Sequential
from nnlab.optimizers import SGD, Adam


def _logit_mlp(hidden, seed):
    torch.manual_seed(seed)
    m = Sequential([Dense(hidden, activation="relu", input_shape=(64,)), Dense(10)])
    m(torch.zeros(1, 64))
    return m


def test_alpha_one_is_ordinary_training(digits):
    (x, y), _ = digits
    x, y = x[:128].astype("float32"), y[:128]
    teacher, student = _logit_mlp(32, 1), _logit_mlp(8, 2)
    plain = copy.deepcopy(student)
    d = Distiller(teacher, student, temperature=4.0, alpha=1.0)
    d.compile(SGD(learning_rate=0.1), metrics=["accuracy"])
    hist = d.fit(x, y, epochs=1, batch_size=64, shuffle=False, verbose=0)
    assert {"loss", "student_loss", "distillation_loss", "accuracy"} <= set(hist.history)
    plain.compile(SGD(learning_rate=0.1), SparseCategoricalCrossentropy(from_logits=True))
    plain.fit(x, y, epochs=1, batch_size=64, shuffle=False, verbose=0)
    for a, b in zip(student.parameters(), plain.parameters()):
        assert torch.allclose(a, b, atol=1e-6)


def test_distillation_term_vanishes_for_identical_teacher_and_moves_student(digits):
    (x, y), (xt, yt) = digits
    teacher = _logit_mlp(16, 3)
    student = copy.deepcopy(teacher)
    d = Distiller(teacher, student, temperature=2.0, alpha=0.0)
    d.compile(Adam(learning_rate=0.01), metrics=["accuracy"])
    logs = d.evaluate(xt[:64], yt[:64], verbose=0, return_dict=True)
    assert logs["distillation_loss"] == pytest.approx(0.0, abs=1e-6)
    t0 = [p.clone() for p in teacher.parameters()]
    # a trained teacher: the student follows it, the teacher is not modified
    teacher.compile(Adam(learning_rate=0.01), SparseCategoricalCrossentropy(from_logits=True),
                    metrics=["accuracy"])
    teacher.fit(x, y, epochs=5, batch_size=64, verbose=0)
    t1 = [p.clone() for p in teacher.parameters()]
    assert not all(torch.equal(a, b) for a, b in zip(t0, t1))
    d.fit(x, y, epochs=3, batch_size=64, verbose=0)
    assert all(torch.equal(a, b) for a, b in zip(teacher.parameters(), t1))
    acc = float((d.predict(xt, verbose=0).argmax(-1) == yt).mean())
    assert acc > 0.8                                        # learnt from soft targets only
    assert np.isfinite(d.evaluate(xt, yt, verbose=0, return_dict=True)["student_loss"])


@pytest.mark.parametrize("kw, msg", [({"temperature": 0}, "temperature must be a positive"),
                                     ({"alpha": 1.5}, r"alpha must be a number in \[0, 1\]")])
def test_bad_arguments(kw, msg):
    with pytest.raises(ValueError, match=msg):
        Distiller(_logit_mlp(4, 0), _logit_mlp(4, 1), **kw)
