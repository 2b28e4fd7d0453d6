"""One meaning per loss name: every public loss function of ``nnlab.losses`` returns one value
per sample ``(batch,)`` as Keras 3's does (same numbers as ``keras.losses``), and no other
module of ``src/nnlab`` defines a function of the same name with another meaning."""
import ast
import inspect
import pathlib

import numpy as np
import pytest
import torch

import nnlab
from nnlab import losses

BATCH = 4
_rng = np.random.default_rng(0)


def _probs(shape):
    p = _rng.uniform(0.05, 1.0, shape)
    return p / p.sum(-1, keepdims=True)


_LABELS = np.array([0, 2, 1, 2])
_ONE_HOT = np.eye(3)[_LABELS]
_BITS = np.array([[0, 1, 1], [1, 0, 0], [1, 1, 0], [0, 0, 1]], dtype=np.float64)
_PROBS = _probs((BATCH, 3))
_SCORES = _rng.normal(size=(BATCH, 3))
_POSITIVE = _rng.uniform(0.1, 3.0, (BATCH, 3))
_EMB = _rng.normal(size=(BATCH, 2))

# name -> (inputs, keyword arguments); the Keras 3 functions of the same name are the oracle
KERAS_CASES = {
    "categorical_crossentropy": ((_ONE_HOT, _PROBS), {}),
    "sparse_categorical_crossentropy": ((_LABELS, _PROBS), {}),
    "binary_crossentropy": ((_BITS, _PROBS), {}),
    "binary_focal_crossentropy": ((_BITS, _PROBS), {"gamma": 2.0}),
    "mean_squared_error": ((_POSITIVE, _SCORES), {}),
    "mean_absolute_error": ((_POSITIVE, _SCORES), {}),
    "mean_absolute_percentage_error": ((_POSITIVE, _SCORES), {}),
    "mean_squared_logarithmic_error": ((_POSITIVE, _POSITIVE[::-1].copy()), {}),
    "huber": ((_POSITIVE, _SCORES), {"delta": 1.0}),
    "log_cosh": ((_POSITIVE, _SCORES), {}),
    "cosine_similarity": ((_POSITIVE, _SCORES), {}),
    "kl_divergence": ((_probs((BATCH, 3)), _PROBS), {}),
    "poisson": ((_POSITIVE, _POSITIVE[::-1].copy()), {}),
    "hinge": ((_BITS, _SCORES), {}),
    "squared_hinge": ((_BITS, _SCORES), {}),
    "categorical_hinge": ((_ONE_HOT, _SCORES), {}),
}
# nnlab's losses that Keras does not have (shape checked, no oracle)
OTHER_CASES = {
    "multiclass_hinge": (_LABELS, _SCORES),
    "multiclass_squared_hinge": (_LABELS, _SCORES),
    "batch_hard_triplet": (np.array([0, 0, 1, 1]), _EMB),
    "contrastive": (np.array([1.0, 0.0, 1.0, 0.0]), np.abs(_EMB[:, 0])),
    "triplet_margin_loss": (_EMB, _EMB[::-1].copy(), _EMB + 0.5),
}


def _public_loss_functions() -> set:
    return {name for name in losses.__all__ if inspect.isfunction(getattr(losses, name))
            and name not in ("get", "labels_prevalidated")}


def test_every_public_loss_function_is_covered_here():
    assert _public_loss_functions() == set(KERAS_CASES) | set(OTHER_CASES)


@pytest.mark.parametrize("name", sorted(KERAS_CASES))
def test_loss_function_is_per_sample_and_matches_keras_3(name):
    keras = pytest.importorskip("keras")
    (y_true, y_pred), kwargs = KERAS_CASES[name]
    ours = getattr(losses, name)(torch.as_tensor(y_true), torch.as_tensor(y_pred), **kwargs)
    assert tuple(ours.shape) == (BATCH,)
    theirs = keras.ops.convert_to_numpy(getattr(keras.losses, name)(y_true, y_pred, **kwargs))
    assert theirs.shape == (BATCH,)
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-5, atol=1e-6)
    # the batch mean is the Loss object's (what compile trains on), and reduction="mean"'s
    mean = getattr(losses, name)(torch.as_tensor(y_true), torch.as_tensor(y_pred),
                                 reduction="mean", **kwargs)
    assert mean.item() == pytest.approx(float(theirs.mean()), rel=1e-5)
    assert losses.get(name)(torch.as_tensor(y_true), torch.as_tensor(y_pred)).item() == \
        pytest.approx(float(theirs.mean()), rel=1e-5)


@pytest.mark.parametrize("name", sorted(OTHER_CASES))
def test_nnlab_only_loss_functions_are_per_sample_too(name):
    args = [torch.as_tensor(a) for a in OTHER_CASES[name]]
    assert tuple(getattr(losses, name)(*args).shape) == (BATCH,)


def _defined_names(path: pathlib.Path):
    """Top-level names a module defines or imports under another spelling."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            yield node.name, node.lineno
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    yield target.id, node.lineno
        elif isinstance(node, ast.ImportFrom) and "losses" not in (node.module or ""):
            for alias in node.names:
                yield alias.asname or alias.name, node.lineno


def test_no_other_module_defines_a_loss_function_name():
    src = pathlib.Path(nnlab.__file__).parent
    names = _public_loss_functions()
    clashes = [f"{path.relative_to(src)}:{line} {name}"
               for path in sorted(src.rglob("*.py")) if path.parent.name != "losses"
               for name, line in _defined_names(path) if name in names]
    assert clashes == []


def test_the_names_importable_elsewhere_are_the_same_functions():
    import nnlab.metrics.regression_metrics as regression_metrics
    import nnlab.training as training
    for module in (nnlab, nnlab.metrics, training, regression_metrics):
        for name in _public_loss_functions():
            if hasattr(module, name):
                assert getattr(module, name) is getattr(losses, name), (module, name)
