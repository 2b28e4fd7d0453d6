"""Fused optimizers keep each gradient and state tensor in its parameter's memory layout
(optimizers/layouts.py): torch's fused CPU kernels pair the wrong elements when a conv
kernel and its state disagree, which a reload or a memory-format change produces."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab import config, optimizers
from nnlab.layers import Conv2D, Dense, Flatten
from nnlab.optimizers.layouts import align_layouts

CL, NCHW = torch.channels_last, torch.contiguous_format
SPECS = [lambda: optimizers.Adam(0.1), lambda: optimizers.AdamW(0.1),
         lambda: optimizers.SGD(0.1, momentum=0.9), lambda: optimizers.Adagrad(0.1)]


@pytest.fixture
def settings():
    kernel, fmt = config.optimizer_kernel(), config.conv_memory_format()
    yield
    config.set_optimizer_kernel(kernel)
    config.set_conv_memory_format(fmt)


def _steps(spec, kernel, param_fmt, state_fmt, grad_fmt):
    """Three steps on an (8, 4, 3, 3) kernel; the state re-laid after the first."""
    config.set_optimizer_kernel(kernel)
    g = torch.Generator().manual_seed(0)
    w0, grad = torch.randn(8, 4, 3, 3, generator=g), torch.randn(8, 4, 3, 3, generator=g)
    w = torch.nn.Parameter(w0.contiguous(memory_format=param_fmt))
    opt = spec().build([w])
    for step in range(3):
        w.grad = grad.clone().contiguous(memory_format=grad_fmt)
        opt.step()
        if step == 0:
            for key, value in opt.state[w].items():
                if value.shape == w.shape:
                    opt.state[w][key] = value.contiguous(memory_format=state_fmt)
    return w.detach().clone()


@pytest.mark.parametrize("spec", SPECS, ids=["adam", "adamw", "sgd-momentum", "adagrad"])
@pytest.mark.parametrize("layouts", [(CL, NCHW, CL), (NCHW, CL, NCHW), (CL, CL, NCHW)],
                         ids=["state-nchw", "state-cl", "grad-nchw"])
def test_fused_step_matches_the_loop_whatever_the_layouts(spec, layouts, settings):
    reference = _steps(spec, "for-loop", NCHW, NCHW, NCHW)
    fused = _steps(spec, "fused", *layouts)
    assert torch.allclose(fused, reference, atol=1e-5), \
        float((fused - reference).abs().max())


def test_aligning_copies_only_what_differs():
    w = torch.nn.Parameter(torch.randn(4, 3, 3, 3).contiguous(memory_format=CL))
    b = torch.nn.Parameter(torch.randn(4))
    opt = torch.optim.Adam([w, b], fused=True)
    w.grad, b.grad = torch.randn_like(w), torch.randn_like(b)
    opt.step()
    assert align_layouts(opt) == 0  # every tensor already agrees
    opt.state[w]["exp_avg"] = opt.state[w]["exp_avg"].contiguous()
    before = opt.state[w]["exp_avg"].clone()
    assert align_layouts(opt) == 1
    assert opt.state[w]["exp_avg"].stride() == w.stride()
    assert torch.equal(opt.state[w]["exp_avg"], before)  # values kept


def test_dense_models_get_no_hook():
    """The per-step guard exists only where it can matter (fused, 4-D parameters)."""
    opt = optimizers.Adam().build([torch.nn.Parameter(torch.randn(6, 5))])
    assert not opt._optimizer_step_pre_hooks
    conv = optimizers.Adam().build([torch.nn.Parameter(torch.randn(2, 2, 3, 3))])
    assert len(conv._optimizer_step_pre_hooks) == 1


def _conv_model():
    model = nnlab.Sequential([Conv2D(8, 3, activation="relu", input_shape=(8, 8, 3)),
                              Flatten(), Dense(4)])
    model.compile(optimizers.Adam(0.05),
                  nnlab.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def _data():
    rng = np.random.RandomState(0)
    return rng.rand(64, 8, 8, 3).astype("float32"), rng.randint(0, 4, 64)


def test_reloaded_conv_model_trains_on_as_the_saved_one(tmp_path, settings):
    """Fails without the guard: reloaded Adam state is contiguous, the kernels are
    channels_last, and three more epochs ended 0.19 away from the never-saved model."""
    config.set_conv_memory_format("channels_last")
    x, y = _data()
    nnlab.set_seed(0)
    model = _conv_model()
    model.fit(x, y, batch_size=64, epochs=1, verbose=0, shuffle=False)
    model.save(tmp_path / "m.nnlab")
    reloaded = nnlab.models.load_model(tmp_path / "m.nnlab")
    for m in (model, reloaded):
        m.fit(x, y, batch_size=64, epochs=3, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), reloaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_fit_in_the_other_memory_format_keeps_adam_right(settings):
    """One fit in NCHW, the next in channels_last: the state follows the kernels."""
    x, y = _data()
    runs = {}
    for kernel in ("for-loop", "fused"):
        config.set_optimizer_kernel(kernel)
        nnlab.set_seed(0)
        model = _conv_model()
        for fmt in ("contiguous", "channels_last", "contiguous"):
            config.set_conv_memory_format(fmt)
            model.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=False)
        runs[kernel] = model.get_weights()
    for a, b in zip(runs["for-loop"], runs["fused"]):
        np.testing.assert_allclose(a, b, atol=1e-4)
