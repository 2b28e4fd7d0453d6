"""Keras-style import path: ``from nnlab.metrics import ...`` (as ``keras.metrics``).

The code lives in :mod:`nnlab.training.metrics`; this module re-exports its public names.
"""
from .training import metrics as _impl

__all__ = list(getattr(_impl, "__all__", [n for n in vars(_impl) if not n.startswith("_")]))
globals().update({name: getattr(_impl, name) for name in __all__})
from .training.text_metrics import BitsPerCharacter, Perplexity, bleu, corpus_bleu, sentence_bleu  # noqa: E402,F401,E501
__all__ += ["BitsPerCharacter", "Perplexity", "bleu", "corpus_bleu", "sentence_bleu"]
from .vision.map_metric import mean_average_precision  # noqa: E402,F401
__all__ += ["mean_average_precision"]
