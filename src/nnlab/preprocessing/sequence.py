"""``keras.preprocessing.sequence``: ``pad_sequences`` (Keras 3: ``keras.utils.pad_sequences``)."""
from ..utils.sequence import pad_sequences

__all__ = ["pad_sequences"]
