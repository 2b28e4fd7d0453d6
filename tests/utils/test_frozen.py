"""frozen_parameters: input gradients with the weights frozen, every flag restored."""
import pytest
import torch

from nnlab.adversarial import PGD
from nnlab.interpret import Saliency
from nnlab.utils.frozen import frozen_parameters


def _model():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 8), torch.nn.ReLU(),
                                torch.nn.Linear(8, 3))
    model[1].bias.requires_grad_(False)  # the user's own choice: must survive
    return model


def _flags(model):
    return [p.requires_grad for p in model.parameters()]


def test_flags_restored_and_user_frozen_kept():
    model = _model()
    before = _flags(model)
    with frozen_parameters(model):
        assert not any(_flags(model))
    assert _flags(model) == before == [True, False, True, True]


def test_flags_restored_on_error():
    model = _model()
    with pytest.raises(RuntimeError, match="boom"):
        with frozen_parameters(model):
            raise RuntimeError("boom")
    assert _flags(model) == [True, False, True, True]


def test_input_gradient_is_the_same_with_frozen_weights():
    model = _model()
    x = torch.rand(5, 4, 4, requires_grad=True)
    grad_thawed, = torch.autograd.grad(model(x).sum(), x)
    with frozen_parameters(model):
        grad_frozen, = torch.autograd.grad(model(x).sum(), x)
    assert torch.equal(grad_thawed, grad_frozen)


def test_attack_and_saliency_leave_the_flags_and_need_no_weight_grads():
    model = _model()
    x, y = torch.rand(6, 4, 4), torch.tensor([0, 1, 2, 0, 1, 2])
    PGD(model, eps=0.1, alpha=0.02, steps=3, random_start=False)(x, y)
    Saliency(model).attribute(x, target=1)
    assert _flags(model) == [True, False, True, True]
    assert all(p.grad is None for p in model.parameters())


def test_plain_callable_passes_through():
    with frozen_parameters(lambda t: t):
        pass
