"""nnlab's optimizers build torch's fastest kernel by default (optimizers/kernels.py):
fused where torch has it, else multi-tensor, else the loop; same numbers either way."""
import pytest
import torch

import nnlab
from nnlab import config, optimizers

EXPECTED = {optimizers.Adam: "fused", optimizers.AdamW: "fused", optimizers.SGD: "fused",
            optimizers.Adagrad: "fused", optimizers.RMSprop: "foreach",
            optimizers.Adadelta: "foreach", optimizers.LBFGS: "for-loop"}


@pytest.fixture
def kernel_setting():
    before = config.optimizer_kernel()
    yield
    config.set_optimizer_kernel(before)


def _params(seed=0):
    g = torch.Generator().manual_seed(seed)
    return [torch.nn.Parameter(torch.randn(6, 5, generator=g)),
            torch.nn.Parameter(torch.randn(5, generator=g))]


@pytest.mark.parametrize("spec_class", list(EXPECTED))
def test_default_is_the_fastest_kernel_torch_has(spec_class, kernel_setting):
    opt = spec_class().build(_params())
    assert opt.nnlab_kernel == EXPECTED[spec_class]
    if EXPECTED[spec_class] == "fused":
        assert opt.defaults["fused"] is True
    if EXPECTED[spec_class] == "foreach":
        assert opt.defaults["foreach"] is True


def test_the_switch_turns_it_off_and_bad_values_are_refused(kernel_setting):
    config.set_optimizer_kernel("for-loop")
    opt = optimizers.Adam().build(_params())
    assert opt.nnlab_kernel == "for-loop" and opt.defaults["foreach"] is False
    assert not opt.defaults.get("fused")
    config.set_optimizer_kernel("foreach")
    assert optimizers.Adam().build(_params()).nnlab_kernel == "foreach"
    with pytest.raises(ValueError, match="set_optimizer_kernel: kernel must be one of"):
        config.set_optimizer_kernel("fast")


def _trajectory(spec, steps=40):
    params = _params()
    opt = spec.build(params)
    g = torch.Generator().manual_seed(1)
    for _ in range(steps):
        for p in params:
            p.grad = torch.randn(p.shape, generator=g)
        opt.step()
    return [p.detach().clone() for p in params]


@pytest.mark.parametrize("make", [
    lambda: optimizers.Adam(1e-2), lambda: optimizers.Adam(1e-2, amsgrad=True),
    lambda: optimizers.AdamW(1e-2, weight_decay=0.01),
    lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    lambda: optimizers.Adagrad(0.05), lambda: optimizers.RMSprop(1e-2, momentum=0.5),
    lambda: optimizers.Adadelta(1.0)])
def test_every_kernel_follows_the_same_update_rule(make, kernel_setting):
    """40 steps with the same gradients: fused / foreach / loop agree to 1e-5 (float32
    rounding of differently vectorised arithmetic; measured gaps are about 1e-7)."""
    config.set_optimizer_kernel("for-loop")
    reference = _trajectory(make())
    for kernel in ("foreach", "fused"):
        config.set_optimizer_kernel(kernel)
        for ours, theirs in zip(_trajectory(make()), reference):
            torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-5)


def test_a_kernel_torch_refuses_falls_back_to_the_next(kernel_setting):
    class NoFusedAdam(torch.optim.Adam):
        def __init__(self, params, fused=None, foreach=None, **kwargs):
            if fused:
                raise RuntimeError("fused is not supported here")
            super().__init__(params, foreach=foreach, **kwargs)

    class Spec(optimizers.Adam):
        torch_class = NoFusedAdam

    assert Spec().build(_params()).nnlab_kernel == "foreach"


def test_fit_uses_it_and_resume_and_config_are_unchanged(tmp_path, kernel_setting):
    """get_config has no kernel entry, and a checkpoint written with one kernel resumes
    with another to the same weights (the state format is torch's, kernel-independent)."""
    assert "fused" not in optimizers.Adam().get_config()
    x = torch.randn(64, 5)
    y = x @ torch.randn(5, 1)

    def model():
        nnlab.set_seed(0)
        m = nnlab.Sequential([nnlab.layers.Dense(1, input_shape=(5,))])
        m.compile("adam", "mse")
        return m

    straight = model()
    straight.fit(x, y, epochs=4, batch_size=16, verbose=0, shuffle=False)
    assert straight.compiled.optimizer.nnlab_kernel == "fused"

    first = model()
    first.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False,
              checkpoint_dir=str(tmp_path / "ck"))
    config.set_optimizer_kernel("for-loop")
    resumed = model()
    resumed.fit(x, y, epochs=4, batch_size=16, verbose=0, shuffle=False,
                checkpoint_dir=str(tmp_path / "ck"))
    assert resumed.compiled.optimizer.nnlab_kernel == "for-loop"
    for a, b in zip(resumed.get_weights(), straight.get_weights()):
        torch.testing.assert_close(torch.as_tensor(a), torch.as_tensor(b), rtol=1e-5, atol=1e-6)


def test_checkpoints_written_before_kernels_were_chosen_still_resume():
    """Checkpoints of earlier versions recorded torch's kernel flags in the run's
    fingerprint; they compare equal to a run on any kernel."""
    from nnlab.training.run_fingerprint import differences
    group = {"betas": [0.9, 0.999], "eps": 1e-07, "weight_decay": 0.0, "amsgrad": False}
    old = {"optimizer": [{"class": "Adam", "groups": [dict(group, foreach=None, fused=None,
                                                           capturable=False,
                                                           differentiable=False)]}]}
    new = {"optimizer": [{"class": "Adam", "groups": [dict(group)]}]}
    assert differences(old, new) == []
    other = {"optimizer": [{"class": "Adam", "groups": [dict(group, eps=1e-3)]}]}
    assert differences(old, other)  # a real hyper-parameter change is still seen
