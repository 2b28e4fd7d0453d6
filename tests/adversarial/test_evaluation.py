"""robust_accuracy, the robustness curve and the image grid."""
import pytest
import torch

from nnlab.adversarial import (FGSM, PGD, plot_adversarial_grid, predict_labels,
                               robust_accuracy, robustness_curve)


def test_robust_accuracy_batches_agree_and_clean_matches_evaluate(digits, digits_model):
    _, (x, y) = digits
    clean = robust_accuracy(digits_model, x, y)
    assert clean == pytest.approx(digits_model.evaluate(x, y, verbose=0)[1], abs=1e-6)
    a = robust_accuracy(digits_model, x, y, FGSM(digits_model, 0.1), batch_size=7)
    b = robust_accuracy(digits_model, x, y, FGSM(digits_model, 0.1), batch_size=360)
    assert a == b < clean


def test_robust_accuracy_bad_arguments(digits, digits_model):
    _, (x, y) = digits
    with pytest.raises(ValueError, match=r"needs an untargeted attack"):
        robust_accuracy(digits_model, x, y, PGD(digits_model, 0.1, targeted=True))
    with pytest.raises(ValueError, match=r"batch_size must be an int >= 1, got 0"):
        robust_accuracy(digits_model, x, y, batch_size=0)
    with pytest.raises(ValueError, match=r"y must be integer class labels of shape \(360,\)"):
        robust_accuracy(digits_model, x, y[:10])


def test_robustness_curve_falls_with_eps_and_writes_png(tmp_path, digits, digits_model):
    _, (x, y) = digits
    path = tmp_path / "curve.png"
    curve = robustness_curve(digits_model, x[:60], y[:60], [0, 0.1, 0.3], path=str(path),
                             attacks={"FGSM": lambda e: FGSM(digits_model, e),
                                      "PGD-5": lambda e: PGD(digits_model, e, alpha=e / 2,
                                                             steps=5)})
    assert curve["eps"] == [0.0, 0.1, 0.3]
    assert curve["FGSM"][0] == curve["PGD-5"][0] > curve["FGSM"][1] >= curve["FGSM"][2]
    assert all(p <= f for p, f in zip(curve["PGD-5"], curve["FGSM"]))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_grid_png_and_shape_check(tmp_path, digits, digits_model):
    _, (x, y) = digits
    x_adv = FGSM(digits_model, 0.2)(x[:4], y[:4])
    path = tmp_path / "grid.png"
    plot_adversarial_grid(x[:4], x_adv, str(path), labels=y[:4],
                          preds=predict_labels(digits_model, x[:4]),
                          adv_preds=predict_labels(digits_model, x_adv))
    assert path.stat().st_size > 1000
    with pytest.raises(ValueError, match=r"x and x_adv must have the same shape"):
        plot_adversarial_grid(x[:4], x_adv[:3], str(path))
    assert not torch.equal(x_adv, x[:4])
