"""Sample quality without an Inception network: the Inception-Score and FID formulas
computed on a classifier trained on the real data set (a standard proxy, e.g. the "MNIST
score" of many GAN papers). Figures are comparable only between runs that share the
classifier; report the real test set's own score beside them as the reference.

    IS  = exp( mean_x KL(p(y|x) || p(y)) ),  p(y) = mean_x p(y|x)      (max = classes)
    FID = |m_r - m_g|^2 + Tr(C_r + C_g - 2 (C_r C_g)^(1/2))   on the classifier's features

The matrix square root is scipy's ``sqrtm`` (imported only when FID is asked for).
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Dict, Optional

import numpy as np
import torch

__all__ = ["classifier_score", "inception_score", "frechet_distance"]


def inception_score(probs: np.ndarray, eps: float = 1e-12) -> float:
    """``exp(mean KL(p(y|x) || p(y)))`` of ``(n, classes)`` class probabilities."""
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2 or np.any(probs < -1e-6) or \
            not np.allclose(probs.sum(1), 1.0, atol=1e-3):
        raise ValueError(f"inception_score: expected (n, classes) probabilities summing to 1, "
                         f"got shape {probs.shape}")
    marginal = probs.mean(0, keepdims=True)
    kl = np.sum(probs * (np.log(probs + eps) - np.log(marginal + eps)), axis=1)
    return float(np.exp(kl.mean()))


def frechet_distance(feats_a: np.ndarray, feats_b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two ``(n, d)`` feature sets."""
    from scipy import linalg
    a, b = np.asarray(feats_a, np.float64), np.asarray(feats_b, np.float64)
    mu_a, mu_b = a.mean(0), b.mean(0)
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    with warnings.catch_warnings():  # singular covariances (dead ReLU features) are common
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(ca @ cb)
        if not np.isfinite(covmean).all():  # pytorch-fid's remedy: a small diagonal offset
            offset = np.eye(len(ca)) * 1e-6
            covmean = linalg.sqrtm((ca + offset) @ (cb + offset))
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(ca + cb - 2 * covmean))


def _default_features(classifier: Any) -> Optional[Callable]:
    """Features = the input to the classifier's last layer (Sequential models)."""
    layers = getattr(classifier, "layers", None)
    if not layers or len(layers) < 2:
        return None

    def features(x):
        for layer in layers[:-1]:
            x = layer(x)
        return x.flatten(1)
    return features


def _run(fn: Callable, images: torch.Tensor, batch_size: int) -> np.ndarray:
    with torch.no_grad():
        return torch.cat([torch.as_tensor(fn(images[i:i + batch_size])).float()
                          for i in range(0, len(images), batch_size)]).numpy()


def classifier_score(images: Any, classifier: Any, real_images: Any = None,
                     features: Optional[Callable] = None, from_logits: bool = True,
                     batch_size: int = 500) -> Dict[str, Any]:
    """Score generated ``images`` ``(n, h, w, c)`` with a ``classifier`` trained on the
    real set (same preprocessing as its training data).

    Returns ``{"score": IS, "classes": distinct predicted classes, "class_counts": array}``,
    plus ``"fid"`` (on ``features``, default: the input of a Sequential classifier's last
    layer) when ``real_images`` are given.
    """
    images = torch.as_tensor(np.asarray(images), dtype=torch.float32)
    if images.dim() < 2 or len(images) < 2:
        raise ValueError(f"classifier_score: need at least 2 images, got shape "
                         f"{tuple(images.shape)}")
    was = getattr(classifier, "training", False)
    if hasattr(classifier, "eval"):
        classifier.eval()
    try:
        out = _run(classifier, images, batch_size)
        probs = torch.softmax(torch.as_tensor(out), -1).numpy() if from_logits else out
        pred = probs.argmax(1)
        counts = np.bincount(pred, minlength=probs.shape[1])
        result = {"score": inception_score(probs), "classes": int((counts > 0).sum()),
                  "class_counts": counts}
        if real_images is not None:
            feat = features or _default_features(classifier) or classifier
            real = torch.as_tensor(np.asarray(real_images), dtype=torch.float32)
            result["fid"] = frechet_distance(_run(feat, real, batch_size),
                                             _run(feat, images, batch_size))
        return result
    finally:
        if hasattr(classifier, "train"):
            classifier.train(was)
