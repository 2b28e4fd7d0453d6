import itertools
import math

import pytest
import torch

from nnlab import schedules as S


def test_step_decay_by_hand():
    s = S.StepDecay(0.1, drop=0.5, every=10)
    assert [s(t) for t in (0, 9, 10, 19, 25, 30)] == pytest.approx(
        [0.1, 0.1, 0.05, 0.05, 0.025, 0.0125])


def test_exponential_decay_smooth_vs_staircase():
    smooth = S.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    stair = S.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    assert smooth(5) == pytest.approx(0.1 * 0.5 ** 0.5)
    assert stair(5) == pytest.approx(0.1)
    assert smooth(20) == stair(20) == pytest.approx(0.025)
    assert stair(29) == pytest.approx(0.025) and smooth(29) < 0.025


def test_inverse_time_and_inverse_sqrt_by_hand():
    s = S.InverseTimeDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert s(0) == pytest.approx(0.1) and s(20) == pytest.approx(0.05)  # 0.1 / (1 + 0.5 * 2)
    assert s(15) == pytest.approx(0.1 / 1.75)
    stair = S.InverseTimeDecay(0.1, 10, 0.5, staircase=True)
    assert stair(15) == pytest.approx(0.1 / 1.5)
    r = S.InverseSqrtDecay(1.0)
    assert [r(t) for t in (0, 3, 8, 99)] == pytest.approx([1.0, 0.5, 1 / 3, 0.1])


def test_cosine_decay_by_hand():
    s = S.CosineDecay(0.1, decay_steps=100, alpha=0.1)
    assert s(0) == pytest.approx(0.1)
    assert s(50) == pytest.approx(0.1 * (0.9 * 0.5 + 0.1))
    assert s(100) == s(500) == pytest.approx(0.01)
    assert s(25) == pytest.approx(0.1 * (0.9 * 0.5 * (1 + math.cos(math.pi / 4)) + 0.1))


def test_cosine_decay_warmup_ramps_linearly_then_decays():
    s = S.CosineDecay(0.0, decay_steps=100, warmup_target=0.1, warmup_steps=10)
    ramp = [s(t) for t in range(11)]
    assert ramp == pytest.approx([0.01 * t for t in range(11)])
    assert s(60) == pytest.approx(0.05)  # half-way through the cosine
    assert s(110) == pytest.approx(0.0, abs=1e-12)


def test_linear_warmup_ramps_linearly():
    w = S.LinearWarmup(0.1, warmup_steps=5)
    lrs = [w(t) for t in range(8)]
    assert lrs == pytest.approx([0.02, 0.04, 0.06, 0.08, 0.1, 0.1, 0.1, 0.1])
    diffs = [b - a for a, b in itertools.pairwise(lrs[:5])]
    assert diffs == pytest.approx([0.02] * 4)
    base = S.ExponentialDecay(0.1, 10, 0.5)
    wrapped = S.LinearWarmup(base, warmup_steps=4)
    assert wrapped(1) == pytest.approx(0.05)
    assert [wrapped(4 + t) for t in (0, 10, 20)] == pytest.approx([base(0), base(10), base(20)])
    assert S.LinearWarmup(0.3, 0)(0) == 0.3


def test_piecewise_constant_decay_boundaries_like_keras():
    s = S.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    assert [s(t) for t in (0, 10, 11, 20, 21, 1000)] == [1.0, 1.0, 0.5, 0.5, 0.1, 0.1]


@pytest.mark.parametrize("ours, torch_scheduler", [
    (S.StepDecay(0.1, drop=0.5, every=3),
     lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)),
    (S.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.9),
     lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)),
    (S.CosineDecay(0.1, decay_steps=10, alpha=0.2),
     lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.02)),
])
def test_formulas_agree_with_torch_lr_schedulers(ours, torch_scheduler):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = torch_scheduler(opt)
    for t in range(10):
        assert opt.param_groups[0]["lr"] == pytest.approx(ours(t), rel=1e-9)
        opt.step()
        sched.step()


@pytest.mark.parametrize("schedule", [
    S.StepDecay(0.1, 0.3, 7), S.ExponentialDecay(0.1, 10, 0.5, staircase=True),
    S.InverseTimeDecay(0.2, 5, 1.0), S.InverseSqrtDecay(0.5, decay_steps=4),
    S.CosineDecay(0.0, 50, alpha=0.1, warmup_target=0.2, warmup_steps=5),
    S.LinearWarmup(S.CosineDecay(0.1, 30), 5), S.PiecewiseConstantDecay([3, 9], [0.3, 0.2, 0.1]),
])
def test_get_config_round_trips(schedule):
    again = S.deserialize(S.serialize(schedule))
    assert type(again) is type(schedule) and again.get_config() == schedule.get_config()
    assert [again(t) for t in range(0, 60, 7)] == [schedule(t) for t in range(0, 60, 7)]


@pytest.mark.parametrize("make, message", [
    (lambda: S.StepDecay(-0.1), r"StepDecay: initial_lr must be a finite number > 0, got -0.1"),
    (lambda: S.StepDecay(0.1, drop=2.0), r"drop must be in \(0, 1\]"),
    (lambda: S.StepDecay(0.1, every=0), r"every must be an integer > 0"),
    (lambda: S.ExponentialDecay(0.1, 0, 0.5), r"ExponentialDecay: decay_steps must be"),
    (lambda: S.CosineDecay(0.1, 10, alpha=1.5), r"alpha must be in \[0, 1\]"),
    (lambda: S.CosineDecay(0.1, 10, warmup_steps=5), r"needs a warmup_target"),
    (lambda: S.PiecewiseConstantDecay([10], [1.0]), r"one more entry than boundaries"),
    (lambda: S.PiecewiseConstantDecay([10, 5], [1.0, 0.5, 0.1]), r"strictly increasing"),
    (lambda: S.LinearWarmup(0.1, -1), r"warmup_steps must be an integer >= 0"),
    (lambda: S.InverseSqrtDecay(0.1)(-1), r"step must be a finite number >= 0, got -1"),
    (lambda: S.get("cosine_decai"), r"Unknown schedule 'cosine_decai'.*cosine_decay"),
])
def test_invalid_arguments_are_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_apply_to_optimizer_sets_every_param_group():
    a, b = torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    schedule = S.get("step_decay", initial_lr=0.2, every=2)
    assert S.apply_to_optimizer(opt, schedule(torch.tensor(4))) == pytest.approx(0.05)
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([0.05, 0.05])
    with pytest.raises(ValueError, match="apply_to_optimizer: lr must be"):
        S.apply_to_optimizer(opt, float("nan"))
