"""PGD / BIM / FGSM: torchattacks parity and the eps-ball / [0, 1] invariants."""
import pytest
import torch

from nnlab.adversarial import BIM, FGSM, PGD, PGDL2

from .conftest import random_cnn


def _data(n=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 12, 12, generator=g), torch.randint(0, 5, (n,), generator=g)


def test_parity_with_torchattacks():
    ta = pytest.importorskip("torchattacks")
    model = random_cnn().eval()
    x, y = _data()
    pairs = [(FGSM(model, eps=0.1), ta.FGSM(model, eps=0.1)),
             (BIM(model, eps=0.1, alpha=0.01, steps=10),
              ta.BIM(model, eps=0.1, alpha=0.01, steps=10)),
             (PGD(model, eps=0.3, alpha=0.01, steps=40, random_start=False),
              ta.PGD(model, eps=0.3, alpha=0.01, steps=40, random_start=False)),
             (PGDL2(model, eps=1.0, alpha=0.2, steps=10, random_start=False),
              ta.PGDL2(model, eps=1.0, alpha=0.2, steps=10, random_start=False))]
    for mine, theirs in pairs:
        assert (mine(x, y) - theirs(x, y)).abs().max().item() <= 1e-6, type(mine).__name__
    target = (y + 1) % 5
    theirs = ta.PGD(model, eps=0.3, alpha=0.01, steps=20, random_start=False)
    theirs.set_mode_targeted_by_label(quiet=True)
    mine = PGD(model, eps=0.3, alpha=0.01, steps=20, random_start=False, targeted=True)
    assert (mine(x, target) - theirs(x, target)).abs().max().item() <= 1e-6


def test_random_start_follows_torch_seed_like_torchattacks():
    """Same seed, same random start: PGD with random start matches torchattacks too."""
    ta = pytest.importorskip("torchattacks")
    model = random_cnn().eval()
    x, y = _data()
    torch.manual_seed(3)
    mine = PGD(model, eps=0.3, alpha=0.02, steps=5)(x, y)
    torch.manual_seed(3)
    theirs = ta.PGD(model, eps=0.3, alpha=0.02, steps=5)(x, y)
    assert (mine - theirs).abs().max().item() <= 1e-6


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("eps", [0.0, 0.05, 0.3])
def test_linf_attacks_stay_in_ball_and_box(seed, eps):
    model = random_cnn(seed)
    x, y = _data(seed=seed)
    for attack in (FGSM(model, eps), FGSM(model, eps, random_start=True),
                   BIM(model, eps, alpha=0.02, steps=4),
                   PGD(model, eps, alpha=0.02, steps=4),
                   PGD(model, eps, alpha=0.02, steps=4, targeted=True)):
        out = attack(x, y)
        assert out.shape == x.shape and out.min() >= 0 and out.max() <= 1
        assert (out - x).abs().max() <= eps + 1e-6, attack
    assert torch.equal(PGD(model, 0.0, alpha=0.1, steps=2)(x, y), x)


@pytest.mark.parametrize("seed", range(3))
def test_l2_attack_stays_in_ball_and_box(seed):
    model = random_cnn(seed)
    x, y = _data(seed=seed)
    out = PGDL2(model, eps=0.5, alpha=0.2, steps=5)(x, y)
    norms = (out - x).flatten(1).norm(dim=1)
    assert out.min() >= 0 and out.max() <= 1 and (norms <= 0.5 + 1e-5).all()
    assert (norms > 0.25).all()  # it moves, not just stays at x


def test_pgd_raises_the_loss_more_than_fgsm():
    model = random_cnn().eval()
    x, y = _data(64)
    ce = lambda z: torch.nn.functional.cross_entropy(model(z), y).item()  # noqa: E731
    with torch.no_grad():
        clean = ce(x)
    fgsm, pgd = FGSM(model, 0.05)(x, y), PGD(model, 0.05, alpha=0.01, steps=10)(x, y)
    with torch.no_grad():
        assert clean < ce(fgsm) < ce(pgd)
