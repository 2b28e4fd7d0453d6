"""Papernot's substitute training and the transfer attack, on the real digits."""
import pytest
import torch

from nnlab.adversarial import FGSM, JacobianAugmentation, transfer_attack
from nnlab.layers import Dense, Flatten
import nnlab


def test_substitute_learns_the_black_box_and_its_attacks_transfer(digits, digits_model):
    _, (x, y) = digits
    seed_x, x_eval, y_eval = x[-60:], x[:200], y[:200]
    substitute = nnlab.Sequential([Flatten(input_shape=(8, 8, 1)), Dense(32, activation="relu"),
                                   Dense(10)])
    jda = JacobianAugmentation(digits_model, substitute, rounds=4, lam=0.1, epochs=10,
                               batch_size=32)
    jda.fit(seed_x)
    sizes = [size for size, _ in jda.history_]
    assert sizes == [60, 120, 240, 480] and jda.queries_ == 480 and jda.x_.shape[0] == 480
    assert jda.x_.min() >= 0 and jda.x_.max() <= 1
    r = transfer_attack(digits_model, FGSM(substitute, eps=0.3), x_eval, y_eval)
    assert r["oracle_clean_accuracy"] >= 0.9
    # Black-box examples fool it far more than random sign noise of the same size does.
    noise = (x_eval + 0.3 * torch.randn_like(x_eval).sign()).clamp(0, 1)
    noise_acc = (digits_model(noise).argmax(1) == y_eval).float().mean().item()
    assert r["oracle_adversarial_accuracy"] < noise_acc - 0.2, (r, noise_acc)
    assert r["transfer_success"] >= 0.3


def test_transfer_bad_arguments(digits_model):
    with pytest.raises(TypeError, match=r"substitute must be a torch.nn.Module"):
        JacobianAugmentation(digits_model, "mlp")
    sub = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))
    with pytest.raises(ValueError, match=r"lam must be > 0"):
        JacobianAugmentation(digits_model, sub, lam=0)
    with pytest.raises(ValueError, match=r"x_seed must be a non-empty batch of images in"):
        JacobianAugmentation(digits_model, sub).fit(torch.full((4, 8, 8, 1), 16.0))


def test_labels_only_oracle_as_the_docs_describe(digits, digits_model):
    """Papernot's black box answers labels only: a callable returning (n,) ints works
    (it raised IndexError) and gives the same substitute as the scores oracle; any other
    answer is refused naming the shapes."""
    _, (x, y) = digits
    seed_x = x[-30:]

    def labels_only(images):
        with torch.no_grad():
            return digits_model(images).argmax(1).numpy()      # what a remote API returns

    subs = []
    for oracle in (digits_model, labels_only):
        nnlab.set_seed(0)
        sub = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))
        jda = JacobianAugmentation(oracle, sub, rounds=2, epochs=2, batch_size=16)
        jda.fit(seed_x)
        subs.append((sub, jda.queries_, jda.history_))
    (a, qa, ha), (b, qb, hb) = subs
    assert qa == qb == 60 and ha == hb
    for pa, pb in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(pa, pb)
    r = transfer_attack(labels_only, FGSM(b, eps=0.3), x[:50], y[:50])
    assert r["oracle_clean_accuracy"] >= 0.9
    with pytest.raises(ValueError, match=r"oracle: for 30 images it must return labels "
                                         r"\(30,\) or scores \(30, classes\); got shape "
                                         r"\(30, 2, 5\)"):
        JacobianAugmentation(lambda im: torch.zeros(len(im), 2, 5), b).fit(seed_x)


def test_optimizer_factory_is_the_one_that_trains(digits, digits_model):
    """A factory ``params -> Optimizer`` replaces Adam: SGD at lr 0 leaves the substitute
    exactly as initialised, SGD at lr 0.1 moves it; it is called once per round."""
    _, (x, _) = digits
    calls = []

    def sgd(lr):
        def make(params):
            calls.append(lr)
            return torch.optim.SGD(params, lr=lr, momentum=0.9)
        return make

    torch.manual_seed(0)
    sub = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))
    before = [p.detach().clone() for p in sub.parameters()]
    JacobianAugmentation(digits_model, sub, rounds=3, epochs=2, optimizer=sgd(0.0)).fit(x[:20])
    assert calls == [0.0, 0.0, 0.0]
    for p, q in zip(sub.parameters(), before):
        assert torch.equal(p, q)
    JacobianAugmentation(digits_model, sub, rounds=1, epochs=2, optimizer=sgd(0.1)).fit(x[:20])
    assert any(not torch.equal(p, q) for p, q in zip(sub.parameters(), before))
    with pytest.raises(TypeError, match=r"optimizer must be None or a callable params -> "
                                        r"torch.optim.Optimizer, got str"):
        JacobianAugmentation(digits_model, sub, optimizer="sgd")
    with pytest.raises(TypeError, match=r"optimizer\(params\) must return a "
                                        r"torch.optim.Optimizer, got list"):
        JacobianAugmentation(digits_model, sub, optimizer=list).fit(x[:20])


def test_transfer_attack_with_the_substitutes_labels(digits, digits_model):
    """attack_labels="substitute" steps away from the substitute's prediction: where the
    substitute is wrong the example differs from the true-label one, where it is right it
    is the same; the oracle is scored against y either way."""
    _, (x, y) = digits
    torch.manual_seed(0)
    sub = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))
    JacobianAugmentation(digits_model, sub, rounds=2, epochs=5).fit(x[-40:])
    xe, ye = x[:200], y[:200]
    fgsm = FGSM(sub, eps=0.3)
    pred = sub(xe).argmax(1)
    assert bool((pred != ye).any()) and bool((pred == ye).any())   # both cases occur
    x_true, x_sub = fgsm(xe, ye), fgsm(xe, pred)
    right = pred == ye
    assert torch.equal(x_true[right], x_sub[right])
    assert not torch.equal(x_true[~right], x_sub[~right])
    r = transfer_attack(digits_model, fgsm, xe, ye, attack_labels="substitute")
    want = (digits_model(x_sub).argmax(1) == ye).float().mean().item()
    assert r["oracle_adversarial_accuracy"] == pytest.approx(want)
    with pytest.raises(ValueError, match=r"attack_labels must be 'true' or 'substitute', "
                                         r"got 'pred'"):
        transfer_attack(digits_model, fgsm, xe, ye, attack_labels="pred")
