"""Wong et al.'s early-stop check: stop and restore when robust accuracy collapses."""
import pytest
import torch

import nnlab
from nnlab.adversarial import PGD, Attack, RobustEarlyStopping

from .conftest import digits_mlp


class _Collapsing(Attack):
    """Leaves the images alone for the first ``good`` calls, then blanks them (a stand-in
    for a check whose robust accuracy suddenly collapses)."""

    def __init__(self, model, good):
        super().__init__(model, 0.3)
        self.calls, self.good = 0, good

    def perturb(self, x, labels):
        self.calls += 1
        return x if self.calls <= self.good else torch.zeros_like(x)


def test_stops_at_the_collapse_and_restores_the_previous_check(digits):
    (x, y), (xt, yt) = digits
    nnlab.set_seed(0)
    model = digits_mlp(lr=1e-2)
    seen = []
    model.fit(x, y, epochs=1, batch_size=64, verbose=0)  # builds the model
    check = RobustEarlyStopping(_Collapsing(model, good=2), xt[:100], yt[:100], every=5)
    snap = nnlab.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs=None: seen.append(
        {k: v.clone() for k, v in model.state_dict().items()}))
    model.fit(x, y, epochs=3, batch_size=64, shuffle=False, verbose=0, callbacks=[snap, check])
    assert check.stopped_at_ == 2 and len(check.history_) == 3
    assert check.history_[0] > 0.8 and check.history_[2] < 0.3
    assert check.checks_ == [(0, 4), (0, 9), (0, 14)]
    restored = seen[9]  # the state at the second check (batch index 9)
    assert all(torch.equal(model.state_dict()[k], restored[k]) for k in restored)


def test_runs_to_the_end_when_robust_accuracy_holds(digits):
    (x, y), (xt, yt) = digits
    model = digits_mlp()
    check = RobustEarlyStopping(PGD(model, 0.05, alpha=0.02, steps=3), xt[:64], yt[:64])
    h = model.fit(x, y, epochs=2, batch_size=64, verbose=0, callbacks=[check])
    assert check.stopped_at_ is None and len(check.history_) == 2
    assert h.history["robust_check"] == check.history_


def test_refuses_bad_arguments(digits):
    (_, _), (xt, yt) = digits
    model = digits_mlp()
    with pytest.raises(TypeError, match="attack must be an nnlab.adversarial Attack"):
        RobustEarlyStopping(lambda a, b: a, xt, yt)
    with pytest.raises(ValueError, match=r"y its labels \(n,\); got x \(360, 8, 8, 1\), y \(5,\)"):
        RobustEarlyStopping(PGD(model, 0.1), xt, yt[:5])
    with pytest.raises(ValueError, match="every must be a positive int"):
        RobustEarlyStopping(PGD(model, 0.1), xt, yt, every=0)


class _Sliding(Attack):
    """Blanks a growing share of the images: robust accuracy slides down by small steps."""

    def __init__(self, model):
        super().__init__(model, 0.3)
        self.calls = 0

    def perturb(self, x, labels):
        self.calls += 1
        k = int(len(x) * min(1.0, 0.1 * max(0, self.calls - 2)))
        x = x.clone()
        x[:k] = 0
        return x


def test_against_best_catches_a_slide_that_previous_misses(digits):
    (x, y), (xt, yt) = digits
    model = digits_mlp(lr=1e-2)
    model.fit(x, y, epochs=1, batch_size=64, verbose=0)
    prev = RobustEarlyStopping(_Sliding(model), xt[:100], yt[:100], every=2)
    model.fit(x, y, epochs=1, batch_size=64, verbose=0, callbacks=[prev])
    assert prev.stopped_at_ is None          # each step is < 0.2 below the one before
    model = digits_mlp(lr=1e-2)
    model.fit(x, y, epochs=1, batch_size=64, verbose=0)
    seen = []
    snap = nnlab.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs=None: seen.append(
        {k: v.clone() for k, v in model.state_dict().items()}))
    best = RobustEarlyStopping(_Sliding(model), xt[:100], yt[:100], every=2, against="best")
    model.fit(x, y, epochs=1, batch_size=64, shuffle=False, verbose=0, callbacks=[snap, best])
    assert best.stopped_at_ is not None
    top = max(range(best.stopped_at_), key=lambda i: best.history_[i])
    assert best.history_[best.stopped_at_] < best.history_[top] - 0.2
    batch = best.checks_[top][1]
    assert all(torch.equal(model.state_dict()[k], seen[batch][k]) for k in seen[batch])
    with pytest.raises(ValueError, match="against must be 'previous'"):
        RobustEarlyStopping(PGD(model, 0.1), xt, yt, against="worst")
