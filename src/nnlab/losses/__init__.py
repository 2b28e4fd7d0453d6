"""Losses (``keras.losses``): per-sample loss functions and the ``Loss`` objects ``compile`` uses.

``nnlab.losses.categorical_crossentropy(y_true, y_pred)`` returns one value per sample
``(batch,)``, as Keras 3's does (``reduction="mean"`` gives the batch mean);
``CategoricalCrossentropy()`` reduces to the batch mean. Strings resolve through :func:`get`.
"""
from .checks import labels_prevalidated
from .crossentropy import (BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
                           SparseCategoricalCrossentropy, binary_crossentropy,
                           binary_focal_crossentropy, categorical_crossentropy,
                           sparse_categorical_crossentropy)
from .hinge import (CategoricalHinge, Hinge, MulticlassHinge, MulticlassSquaredHinge,
                    SquaredHinge, categorical_hinge, hinge, multiclass_hinge,
                    multiclass_squared_hinge, squared_hinge)
from .lookup import get
from .loss import EPSILON, LOSSES, Loss, LossFunctionWrapper
from .metric_learning import (BatchHardTripletLoss, ContrastiveLoss, TripletLoss,
                              batch_hard_triplet, contrastive, triplet_margin_loss)
from .probabilistic import KLDivergence, Poisson, kl_divergence, poisson
from .regression import (CosineSimilarity, Huber, LogCosh, MeanAbsoluteError,
                         MeanAbsolutePercentageError, MeanSquaredError,
                         MeanSquaredLogarithmicError, cosine_similarity, huber, log_cosh,
                         mean_absolute_error, mean_absolute_percentage_error,
                         mean_squared_error, mean_squared_logarithmic_error)

__all__ = [
    "EPSILON", "LOSSES", "BatchHardTripletLoss", "BinaryCrossentropy",
    "BinaryFocalCrossentropy", "CategoricalCrossentropy", "CategoricalHinge",
    "ContrastiveLoss", "CosineSimilarity", "Hinge", "Huber", "KLDivergence", "LogCosh", "Loss",
    "LossFunctionWrapper", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredError", "MeanSquaredLogarithmicError", "MulticlassHinge",
    "MulticlassSquaredHinge", "Poisson",
    "SparseCategoricalCrossentropy", "SquaredHinge", "TripletLoss",
    "batch_hard_triplet", "binary_crossentropy", "binary_focal_crossentropy",
    "categorical_crossentropy", "categorical_hinge", "contrastive", "cosine_similarity", "get",
    "hinge", "huber", "kl_divergence", "labels_prevalidated", "log_cosh",
    "mean_absolute_error", "mean_absolute_percentage_error", "mean_squared_error",
    "mean_squared_logarithmic_error", "multiclass_hinge",
    "multiclass_squared_hinge", "poisson",
    "sparse_categorical_crossentropy", "squared_hinge", "triplet_margin_loss",
]
