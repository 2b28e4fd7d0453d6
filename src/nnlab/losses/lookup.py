"""Losses by name: :func:`get` resolves a name, a function, a ``Loss`` or a torch loss module
to the :class:`~nnlab.losses.loss.Loss` object ``compile`` uses."""
from __future__ import annotations

from collections.abc import Callable

import torch

from .crossentropy import (BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
                           SparseCategoricalCrossentropy)
from .hinge import CategoricalHinge, Hinge, MulticlassHinge, MulticlassSquaredHinge, SquaredHinge
from .loss import LOSSES, Loss, LossFunctionWrapper
from .metric_learning import BatchHardTripletLoss, ContrastiveLoss, TripletLoss
from .probabilistic import KLDivergence, Poisson
from .regression import (CosineSimilarity, Huber, LogCosh, MeanAbsoluteError,
                         MeanAbsolutePercentageError, MeanSquaredError,
                         MeanSquaredLogarithmicError)


_CLASSES = (CategoricalCrossentropy, SparseCategoricalCrossentropy, BinaryCrossentropy,
            MeanSquaredError, MeanAbsoluteError, Huber, KLDivergence, Hinge, SquaredHinge,
            CategoricalHinge, MulticlassHinge, MulticlassSquaredHinge, BatchHardTripletLoss, ContrastiveLoss,
            CosineSimilarity, LogCosh, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
            Poisson, BinaryFocalCrossentropy)
_CLASS_OF = {c().fn: c for c in _CLASSES}  # loss function -> its Loss class
_BY_CLASS_NAME = {c.__name__: c for c in _CLASSES}


def get(identifier: str | Callable | Loss | None) -> Loss | None:
    """Resolve ``identifier`` to a :class:`Loss` object.

    Accepts a registered name (``"categorical_crossentropy"``, ``"mse"``, ``"svm"``...), a
    Keras class name (``"CategoricalCrossentropy"``), a ``Loss`` (returned as is) or class,
    a torch loss module (called as ``module(y_pred, y_true)``, torch's argument order), or
    any callable ``fn(y_true, y_pred)``. ``None`` gives ``None``.
    """
    if identifier is None or isinstance(identifier, (Loss, TripletLoss)):
        return identifier
    if isinstance(identifier, str):
        if identifier in _BY_CLASS_NAME:
            return _BY_CLASS_NAME[identifier]()
        fn = LOSSES.get(identifier)
        cls = _CLASS_OF.get(fn)
        return cls() if cls is not None else LossFunctionWrapper(fn, name=identifier.lower())
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if isinstance(identifier, torch.nn.modules.loss._Loss):
        module = identifier
        return LossFunctionWrapper(lambda y_true, y_pred: module(y_pred, y_true),
                                   name=type(module).__name__)
    if callable(identifier):
        cls = _CLASS_OF.get(identifier)
        return cls() if cls is not None else LossFunctionWrapper(identifier)
    raise TypeError(f"loss must be a name, a Loss, or a callable (y_true, y_pred); got "
                    f"{type(identifier).__name__}: {identifier!r}")
