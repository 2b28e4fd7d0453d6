"""Metrics (``keras.metrics``): streaming ``Metric`` objects and per-sample accuracy functions.

``from nnlab.metrics import AUC``; ``metrics=["accuracy"]`` strings resolve through
:func:`get`. The per-sample functions (``binary_accuracy(y_true, y_pred) -> (batch,)``)
are Keras 3's.
"""
from ..vision.map_metric import mean_average_precision
from .accuracy_metrics import (Accuracy, AutoAccuracy, BinaryAccuracy, CategoricalAccuracy,
                               SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy,
                               TopKCategoricalAccuracy, binary_accuracy, categorical_accuracy,
                               sparse_categorical_accuracy, sparse_top_k_categorical_accuracy,
                               top_k_categorical_accuracy)
from .auc import AUC
from .bleu import bleu, corpus_bleu, sentence_bleu
from .confusion_metrics import (ConfusionMatrix, F1Score, MulticlassPrecision, MulticlassRecall,
                                Precision, Recall)
from .iou import IoU, MeanIoU
from .lookup import get
from .metric import METRICS, Metric
from .outcome_counts import FalseNegatives, FalsePositives, TrueNegatives, TruePositives
from .perplexity import BitsPerCharacter, Perplexity
from .reduction_metrics import Mean, MeanMetricWrapper
from .regression_metrics import (CosineSimilarity, LogCoshError, MeanAbsoluteError,
                                 MeanAbsolutePercentageError, MeanSquaredError,
                                 MeanSquaredLogarithmicError, Poisson, RootMeanSquaredError)

__all__ = [
    "AUC", "METRICS", "Accuracy", "AutoAccuracy", "BinaryAccuracy", "BitsPerCharacter",
    "CategoricalAccuracy", "ConfusionMatrix", "CosineSimilarity", "F1Score", "FalseNegatives",
    "FalsePositives", "IoU", "LogCoshError",
    "Mean", "MeanAbsoluteError", "MeanIoU", "MeanAbsolutePercentageError", "MeanMetricWrapper",
    "MeanSquaredError", "MeanSquaredLogarithmicError", "Metric", "MulticlassPrecision",
    "MulticlassRecall", "Perplexity", "Poisson", "Precision", "Recall", "RootMeanSquaredError",
    "SparseCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "TopKCategoricalAccuracy",
    "TrueNegatives", "TruePositives",
    "binary_accuracy", "bleu", "categorical_accuracy", "corpus_bleu", "get",
    "mean_average_precision", "sentence_bleu", "sparse_categorical_accuracy",
    "sparse_top_k_categorical_accuracy", "top_k_categorical_accuracy",
]
