"""The attack contract: bad inputs, weights and modes untouched, logits vs probabilities."""
import pytest
import torch

from nnlab.adversarial import BIM, FGSM, PGD, PGDL2, FoolingImage

from .conftest import random_cnn

ATTACKS = [lambda m: FGSM(m, eps=0.1), lambda m: FGSM(m, eps=0.1, random_start=True),
           lambda m: BIM(m, eps=0.1, alpha=0.02, steps=3),
           lambda m: PGD(m, eps=0.1, alpha=0.02, steps=3),
           lambda m: PGDL2(m, eps=1.0, alpha=0.3, steps=3),
           lambda m: PGD(m, eps=0.1, alpha=0.02, steps=3, targeted=True),
           lambda m: FoolingImage(m, steps=3)]


def _data(n=6):
    return torch.rand(n, 1, 12, 12), torch.randint(0, 5, (n,))


@pytest.mark.parametrize("make", ATTACKS)
@pytest.mark.parametrize("training", [True, False])
def test_attack_leaves_weights_buffers_and_mode_untouched(make, training):
    model = random_cnn()
    model.train(training)
    model[3].eval()  # a submodule whose flag differs from its parent's must keep it
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x, y = _data()
    make(model)(x, y)
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # BN running stats too
    assert model.training is training and model[3].training is False
    assert all(p.grad is None for p in model.parameters())


def test_bad_eps_steps_alpha():
    model = random_cnn()
    with pytest.raises(ValueError, match=r"eps must be >= 0, got -0.1"):
        FGSM(model, eps=-0.1)
    with pytest.raises(ValueError, match=r"steps must be an int >= 1, got 0"):
        PGD(model, eps=0.1, steps=0)
    with pytest.raises(ValueError, match=r"alpha must be > 0"):
        BIM(model, eps=0.1, alpha=0)
    with pytest.raises(TypeError, match=r"eps must be a number, got str"):
        PGD(model, eps="0.3")
    with pytest.raises(TypeError, match=r"model must be a torch.nn.Module"):
        FGSM(lambda x: x, eps=0.1)
    with pytest.raises(ValueError, match=r"outputs must be one of"):
        FGSM(model, eps=0.1, outputs="scores")


def test_inputs_outside_unit_range_suggest_rescaling():
    x, y = _data()
    with pytest.raises(ValueError, match=r"inputs must lie in \[0, 1\], got values in "
                                         r"\[0, 255\].*Rescaling"):
        FGSM(random_cnn(), eps=0.1)(x * 0 + torch.arange(6.0).view(6, 1, 1, 1) * 51, y)
    with pytest.raises(TypeError, match=r"floating-point images.*got dtype torch.uint8"):
        FGSM(random_cnn(), eps=0.1)((x * 255).to(torch.uint8), y)


def test_label_shape_and_range():
    model = random_cnn()
    x, y = _data()
    with pytest.raises(ValueError, match=r"y must be integer class labels of shape \(6,\).*"
                                         r"got shape \(5,\)"):
        PGD(model, eps=0.1)(x, y[:5])
    with pytest.raises(ValueError, match=r"got shape \(6, 1, 2\)"):
        PGD(model, eps=0.1)(x, torch.zeros(6, 1, 2))
    with pytest.raises(ValueError, match=r"label out of range: got values in \[0, 7\], the "
                                         r"model has 5 classes"):
        FGSM(model, eps=0.1)(x, torch.tensor([0, 1, 2, 3, 4, 7]))
    with pytest.raises(ValueError, match=r"target class out of range: got values in \[-1, 2\]"):
        PGD(model, eps=0.1, targeted=True)(x, torch.tensor([0, 1, 2, 0, 1, -1]))
    with pytest.raises(ValueError, match=r"must return \(batch, classes\) scores, got shape "
                                         r"\(2, 1, 10, 10\)"):
        FGSM(torch.nn.Conv2d(1, 1, 3), eps=0.1)(x, y)


def test_one_hot_labels_equal_integer_labels():
    model = random_cnn()
    x, y = _data()
    one_hot = torch.nn.functional.one_hot(y, 5).float()
    assert torch.equal(FGSM(model, eps=0.1)(x, y), FGSM(model, eps=0.1)(x, one_hot))


def test_probabilities_are_detected_and_give_the_logits_gradient():
    """A softmax head: the attack uses -log p, so the images equal the logits model's."""
    logits, probs = random_cnn(1), random_cnn(1, softmax=True)
    x, y = _data(8)
    attack = PGD(probs, eps=0.2, alpha=0.02, steps=5, random_start=False)
    out = attack(x, y)
    assert attack._probabilities is True
    ref = PGD(logits, eps=0.2, alpha=0.02, steps=5, random_start=False)
    assert torch.allclose(out, ref(x, y), atol=1e-6) and ref._probabilities is False
    # Treating probabilities as logits (what a logits-only library does) gives other images.
    naive = PGD(probs, eps=0.2, alpha=0.02, steps=5, random_start=False, outputs="logits")
    assert not torch.allclose(naive(x, y), out, atol=1e-3)


def test_numpy_inputs_and_dtype_are_kept():
    model = random_cnn()
    x, y = _data()
    out = FGSM(model, eps=0.1)(x.numpy(), y.numpy())
    assert torch.is_tensor(out) and out.dtype == torch.float32 and out.shape == x.shape
