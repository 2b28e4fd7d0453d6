"""Classifier score: the Inception-Score and FID formulas on known cases and on a real
classifier (logistic regression as a torch module over the digits)."""
import numpy as np
import pytest
import torch

from nnlab.data import load_digits
from nnlab.generative import classifier_score, frechet_distance, inception_score


def test_inception_score_known_values():
    assert inception_score(np.eye(10)) == pytest.approx(10.0, rel=1e-6)
    assert inception_score(np.full((5, 10), 0.1)) == pytest.approx(1.0)
    assert inception_score(np.tile(np.eye(10)[:1], (7, 1))) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="probabilities summing to 1"):
        inception_score(np.ones((3, 4)))


def test_frechet_distance_known_values():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4000, 3))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    # N(0, I) vs N(m, 4I): |m|^2 + 3 * (1 + 4 - 2*2) = |m|^2 + 3
    b = rng.normal(size=(4000, 3)) * 2 + np.array([1.0, 0.0, 2.0])
    assert frechet_distance(a, b) == pytest.approx(8.0, rel=0.1)


def test_real_classifier_scores_real_above_collapsed():
    (x, y), (xt, yt) = load_digits()
    from sklearn.linear_model import LogisticRegression
    lr = LogisticRegression(max_iter=500).fit(x.reshape(len(x), -1), y)
    clf = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))
    with torch.no_grad():
        clf[1].weight.copy_(torch.tensor(lr.coef_))
        clf[1].bias.copy_(torch.tensor(lr.intercept_))
    real = classifier_score(xt, clf, real_images=x[:360])
    collapsed = classifier_score(np.repeat(xt[yt == 3][:1], 360, 0), clf, real_images=x[:360])
    assert real["classes"] == 10 and collapsed["classes"] == 1
    assert real["score"] > 6 and collapsed["score"] == pytest.approx(1.0, abs=1e-3)
    assert real["fid"] < collapsed["fid"]
    assert real["class_counts"].sum() == 360
    with pytest.raises(ValueError, match="need at least 2 images"):
        classifier_score(xt[:1], clf)
