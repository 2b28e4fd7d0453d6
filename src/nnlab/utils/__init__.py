"""Keras' ``keras.utils`` helpers, plus nnlab's atomic file writes (:mod:`.io`).

- ``to_categorical``, ``normalize`` (:mod:`.numerical`)
- ``pad_sequences`` (:mod:`.sequence`; also ``nnlab.preprocessing.sequence.pad_sequences``)
- ``plot_model`` (:mod:`.plotting`: text always, PNG/PDF/SVG via matplotlib; no graphviz)
- ``load_img``, ``img_to_array``, ``array_to_img``, ``save_img`` (:mod:`.image`, Pillow)
- ``image_dataset_from_directory`` (:mod:`.image_dataset`)
- ``PyDataset`` / ``Sequence``: batch-generator classes ``fit`` takes (:mod:`.py_dataset`)
- ``set_random_seed`` (= :func:`nnlab.set_seed`: python, numpy and torch), ``clear_session``

Pillow and matplotlib are imported only inside the functions that use them.
"""
from ..config import set_seed as set_random_seed
from .image import array_to_img, img_to_array, load_img, save_img
from .image_dataset import ImageBatchDataset, image_dataset_from_directory
from .numerical import normalize, to_categorical
from .packing import pack_x_y_sample_weight, unpack_x_y_sample_weight
from .plotting import plot_model
from .py_dataset import PyDataset, Sequence
from .sequence import pad_sequences
from .session import clear_session

__all__ = [
    "ImageBatchDataset", "PyDataset", "Sequence", "array_to_img", "clear_session", "image_dataset_from_directory", "img_to_array",
    "load_img", "normalize", "pack_x_y_sample_weight", "pad_sequences", "plot_model", "save_img", "set_random_seed",
    "to_categorical", "unpack_x_y_sample_weight",
]
