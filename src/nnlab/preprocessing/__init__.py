"""Keras 2's ``keras.preprocessing`` paths, still common in course material.

- ``nnlab.preprocessing.sequence.pad_sequences`` (the same function as
  ``nnlab.utils.pad_sequences``, Keras 3's home for it)
- ``nnlab.preprocessing.image``: ``ImageDataGenerator`` (Keras 2's augmentation
  generator, deprecated in Keras 3) and the image-file helpers.
"""
from . import image, sequence

__all__ = ["image", "sequence"]
