"""Fused steps on channels_last parameters run on contiguous views (optimizers/
flat_step.py): same numbers as torch's per-tensor loop, no gradient copy, and the
parameters, gradients and state handed back in their own shapes and strides."""
import copy

import pytest
import torch
from torch.optim.optimizer import register_optimizer_step_post_hook
from torch.profiler import ProfilerActivity, profile

from nnlab import config, optimizers
from nnlab.optimizers.flat_step import MIN_ELEMENTS, contiguous_order

CL = torch.channels_last
SHAPE = (64, 128, 3, 3)  # 73,728 elements: above MIN_ELEMENTS
SPECS = {"adam": lambda: optimizers.Adam(0.05), "adamw": lambda: optimizers.AdamW(0.05),
         "adam-amsgrad": lambda: optimizers.Adam(0.05, amsgrad=True),
         "sgd": lambda: optimizers.SGD(0.1), "sgd-momentum": lambda: optimizers.SGD(0.1, momentum=0.9),
         "sgd-nesterov": lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True),
         "adagrad": lambda: optimizers.Adagrad(0.1)}


@pytest.fixture
def kernel():
    before = config.optimizer_kernel()
    yield config.set_optimizer_kernel
    config.set_optimizer_kernel(before)


def _params(fmt):
    g = torch.Generator().manual_seed(0)
    w = torch.nn.Parameter(torch.randn(*SHAPE, generator=g).contiguous(memory_format=fmt))
    b = torch.nn.Parameter(torch.randn(SHAPE[0], generator=g))
    return w, b


def _grads(step):
    g = torch.Generator().manual_seed(100 + step)
    return torch.randn(*SHAPE, generator=g), torch.randn(SHAPE[0], generator=g)


def _train(spec, fmt, steps=3):
    w, b = _params(fmt)
    opt = spec().build([w, b])
    for step in range(steps):
        gw, gb = _grads(step)
        w.grad, b.grad = gw.contiguous(memory_format=fmt), gb
        opt.step()
    return w, b, opt


def test_the_shape_threshold_holds_for_the_test_kernel():
    assert torch.Size(SHAPE).numel() >= MIN_ELEMENTS


@pytest.mark.parametrize("name", SPECS)
def test_fused_step_on_views_matches_the_loop(name, kernel):
    kernel("for-loop")
    w_ref, b_ref, _ = _train(SPECS[name], torch.contiguous_format)
    kernel("fused")
    w, b, opt = _train(SPECS[name], CL)
    assert opt.step.__func__.__name__ == "flat_step"
    assert torch.allclose(w.detach(), w_ref.detach(), atol=1e-6), \
        float((w - w_ref).abs().max())
    assert torch.allclose(b.detach(), b_ref.detach(), atol=1e-6)
    # handed back in their own shapes and strides, state included
    assert w.shape == SHAPE and w.stride() == w.grad.stride() == \
        torch.empty(SHAPE).contiguous(memory_format=CL).stride()
    for value in opt.state[w].values():
        if value.dim():
            assert value.shape == w.shape and value.stride() == w.stride()


def _copies_in_one_step(opt, w):
    """Tensor clones in one step, counted by torch's profiler (the kernel's own
    ``grad.contiguous()`` runs below the Python dispatcher, where a dispatch mode
    cannot see it)."""
    w.grad = torch.randn(SHAPE).contiguous(memory_format=CL)
    opt.step()  # state created
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        opt.step()
    return sum(e.count for e in prof.key_averages()
               if e.key in ("aten::clone", "aten::contiguous"))


def test_no_gradient_copy_where_torch_makes_one(kernel):
    kernel("fused")
    w, b = _params(CL)
    assert _copies_in_one_step(optimizers.Adam().build([w, b]), w) == 0
    w, b = _params(CL)
    assert _copies_in_one_step(torch.optim.Adam([w, b], fused=True), w) >= 1


def test_a_failing_step_hands_the_parameters_back(kernel, monkeypatch):
    kernel("fused")
    w, b, opt = _train(SPECS["adam"], CL, steps=1)
    stride = w.stride()

    def fail(params, *_, **__):
        assert params[0] is w and w.is_contiguous() and w.shape != SHAPE  # the view
        raise RuntimeError("boom")
    with monkeypatch.context() as patch:
        patch.setattr(torch, "_fused_adam_", fail)
        with pytest.raises(RuntimeError, match="boom"):
            opt.step()
    assert w.shape == SHAPE and w.stride() == stride and w.grad.shape == SHAPE
    assert all(v.shape == SHAPE for v in opt.state[w].values() if v.dim())
    opt.step()  # and it steps on


def test_state_dict_round_trip_and_lr_scheduler(kernel):
    kernel("fused")
    w, b, opt = _train(SPECS["adam"], CL, steps=2)
    saved = copy.deepcopy(opt.state_dict())  # as a file would hold it
    assert all(v.shape in (SHAPE, (SHAPE[0],)) for s in saved["state"].values()
               for v in s.values() if v.dim())
    w2, b2 = (torch.nn.Parameter(t.detach().clone(memory_format=torch.preserve_format))
              for t in (w, b))
    opt2 = optimizers.Adam(0.05).build([w2, b2])
    opt2.load_state_dict(saved)
    sched = torch.optim.lr_scheduler.StepLR(opt2, step_size=1, gamma=0.5)
    for o, (pw, pb) in ((opt, (w, b)), (opt2, (w2, b2))):
        gw, gb = _grads(7)
        pw.grad, pb.grad = gw.contiguous(memory_format=CL), gb
        o.step()
    sched.step()
    assert torch.allclose(w2.detach(), w.detach(), atol=1e-6)
    assert opt2.param_groups[0]["lr"] == pytest.approx(0.025)


def test_small_and_unfused_optimizers_are_left_alone(kernel):
    kernel("fused")
    small = torch.nn.Parameter(torch.randn(8, 4, 3, 3).contiguous(memory_format=CL))
    assert optimizers.Adam().build([small]).step.__func__.__name__ != "flat_step"
    kernel("foreach")
    w, _ = _params(CL)
    assert optimizers.Adam().build([w]).step.__func__.__name__ != "flat_step"


def test_contiguous_order_known_answers():
    assert contiguous_order(torch.empty(2, 3, 4, 5)) is None
    assert contiguous_order(torch.empty(2, 3, 4, 5).contiguous(memory_format=CL)) == (0, 2, 3, 1)
    assert contiguous_order(torch.empty(5, 4).t()) == (1, 0)
    assert contiguous_order(torch.empty(4, 6)[:, ::2]) is None  # not dense


@pytest.mark.parametrize("where", ["pre", "post", "global"])
def test_a_users_step_hook_sees_the_parameter_in_its_own_shape(where, kernel):
    kernel("fused")
    w, b, opt = _train(SPECS["adam"], CL, steps=1)
    seen = []

    def hook(*_):
        seen.append(tuple(w.shape))
    if where == "global":
        handle = register_optimizer_step_post_hook(hook)
    else:
        handle = getattr(opt, f"register_step_{where}_hook")(hook)
    try:
        w.grad = _grads(1)[0].contiguous(memory_format=CL)
        opt.step()
    finally:
        handle.remove()
    assert seen == [SHAPE]
