"""``image_dataset_from_directory``: a folder of class sub-folders -> batches ``fit`` accepts.

    main_directory/
        cats/ a.jpg b.png ...
        dogs/ c.jpg ...

Images are decoded with Pillow one batch at a time (nothing is held in memory but the
current batch), resized to ``image_size`` and returned as float32 tensors in 0..255, as
Keras does (put ``Rescaling(1 / 255)`` in the model).
"""
from __future__ import annotations

import os
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


class ImageBatchDataset:
    """A re-iterable of ``(images, labels)`` batches (what ``fit``/``evaluate`` take).

    ``images``: float32 ``(batch, height, width, channels)`` (channels_first:
    ``(batch, channels, height, width)``); ``labels``: int64 ``(batch,)`` ("int"),
    float32 ``(batch, num_classes)`` ("categorical") or ``(batch, 1)`` ("binary"). With
    ``label_mode=None`` only images are yielded. ``len()`` is the number of batches;
    ``class_names`` and ``file_paths`` are as in Keras. A new epoch reshuffles (seeded).
    """

    def __init__(self, paths: List[str], labels: Optional[np.ndarray], class_names: List[str],
                 label_mode: Optional[str], load: Callable[[str], np.ndarray], batch_size: int,
                 shuffle: bool, seed: Optional[int], channels_first: bool):
        self.file_paths, self._labels = paths, labels
        self.class_names, self.label_mode = class_names, label_mode
        self._load, self.batch_size = load, batch_size
        self._shuffle, self._channels_first = shuffle, channels_first
        self._rng = np.random.default_rng(seed)
        self._maps: List[Callable] = []

    def __len__(self) -> int:
        return -(-len(self.file_paths) // self.batch_size)

    def map(self, fn: Callable) -> "ImageBatchDataset":
        """A copy that applies ``fn(images, labels) -> (images, labels)`` (or ``fn(images)``
        when there are no labels) to every batch, like ``tf.data.Dataset.map``."""
        other = ImageBatchDataset(self.file_paths, self._labels, self.class_names,
                                  self.label_mode, self._load, self.batch_size, self._shuffle,
                                  None, self._channels_first)
        other._rng, other._maps = self._rng, self._maps + [fn]
        return other

    def __iter__(self) -> Iterator[Any]:
        order = self._rng.permutation(len(self.file_paths)) if self._shuffle else \
            np.arange(len(self.file_paths))
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            x = torch.from_numpy(np.stack([self._load(self.file_paths[i]) for i in idx]))
            if self._channels_first:
                x = x.permute(0, 3, 1, 2).contiguous()
            if self._labels is None:
                batch: Any = x
                for fn in self._maps:
                    batch = fn(batch)
            else:
                batch = (x, self._label_batch(idx))
                for fn in self._maps:
                    batch = fn(*batch)
            yield batch

    def _label_batch(self, idx: np.ndarray) -> torch.Tensor:
        y = torch.from_numpy(self._labels[idx])
        if self.label_mode == "categorical":
            return torch.nn.functional.one_hot(y.long(), len(self.class_names)).float()
        if self.label_mode == "binary":
            return y.float()[:, None]
        return y.long()


def _list_files(directory: str, follow_links: bool) -> List[str]:
    found = []
    for root, _, files in os.walk(directory, followlinks=follow_links):
        found += [os.path.join(root, f) for f in sorted(files)
                  if f.lower().endswith(IMAGE_EXTENSIONS)]
    return sorted(found)


def image_dataset_from_directory(
        directory: str, labels: Any = "inferred", label_mode: Optional[str] = "int",
        class_names: Optional[Sequence[str]] = None, color_mode: str = "rgb",
        batch_size: Optional[int] = 32, image_size: Tuple[int, int] = (256, 256),
        shuffle: bool = True, seed: Optional[int] = None,
        validation_split: Optional[float] = None, subset: Optional[str] = None,
        interpolation: str = "bilinear", follow_links: bool = False,
        crop_to_aspect_ratio: bool = False, data_format: Optional[str] = None,
        verbose: bool = True) -> Any:
    """Batches of images from class sub-folders (``keras.utils.image_dataset_from_directory``).

    Args:
        directory: folder holding one sub-folder per class (``labels="inferred"``), or
            image files with ``labels`` a list of ints (sorted file order) or ``None``.
        label_mode: ``"int"``, ``"categorical"``, ``"binary"`` (two classes) or ``None``.
        class_names: explicit class order (sub-folder names); default alphabetical.
        color_mode: ``"rgb"`` (3 channels), ``"grayscale"`` (1) or ``"rgba"`` (4).
        batch_size: images per batch (``None``: batches of one image).
        image_size: ``(height, width)`` every image is resized to.
        shuffle / seed: shuffle the files (again each epoch), reproducibly with ``seed``.
        validation_split / subset: hold out a fraction; ``subset`` is ``"training"``,
            ``"validation"`` or ``"both"`` (returns a pair). Needs a ``seed`` when shuffling.
        interpolation: resize filter (see :func:`nnlab.utils.load_img`).
        crop_to_aspect_ratio: centre-crop to the target aspect ratio before resizing.

    Returns:
        :class:`ImageBatchDataset` (or a ``(training, validation)`` pair for ``subset="both"``).

    Raises:
        ValueError: missing folder, no images, bad ``label_mode``/``color_mode``/``subset``,
            ``labels`` list of the wrong length, or ``label_mode="binary"`` with != 2 classes.
    """
    from ..config import image_data_format
    from .image import img_to_array, load_img
    if not os.path.isdir(directory):
        raise ValueError(f"image_dataset_from_directory: directory {directory!r} does not exist")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f"image_dataset_from_directory: label_mode must be 'int', "
                         f"'categorical', 'binary' or None, got {label_mode!r}")
    channels = {"rgb": 3, "grayscale": 1, "rgba": 4}
    if color_mode not in channels:
        raise ValueError(f"image_dataset_from_directory: color_mode must be one of "
                         f"{sorted(channels)}, got {color_mode!r}")
    if subset not in (None, "training", "validation", "both"):
        raise ValueError(f"image_dataset_from_directory: subset must be 'training', "
                         f"'validation', 'both' or None, got {subset!r}")
    if (validation_split is None) != (subset is None):
        raise ValueError("image_dataset_from_directory: give validation_split and subset "
                         "together")
    if validation_split is not None and not 0 < validation_split < 1:
        raise ValueError(f"image_dataset_from_directory: validation_split must be in (0, 1), "
                         f"got {validation_split!r}")
    if validation_split is not None and shuffle and seed is None:
        raise ValueError("image_dataset_from_directory: with validation_split and shuffle, "
                         "give a seed so the training and validation subsets do not overlap")

    if labels == "inferred":
        found = sorted(d for d in os.listdir(directory)
                       if os.path.isdir(os.path.join(directory, d)))
        names = list(class_names) if class_names is not None else found
        missing = sorted(set(names) - set(found))
        if missing:
            raise ValueError(f"image_dataset_from_directory: class_names {missing} are not "
                             f"sub-folders of {directory!r} (found {found})")
        paths, label_list = [], []
        for k, name in enumerate(names):
            files = _list_files(os.path.join(directory, name), follow_links)
            paths += files
            label_list += [k] * len(files)
        label_arr: Optional[np.ndarray] = np.asarray(label_list, dtype=np.int64)
    else:
        paths, names = _list_files(directory, follow_links), list(class_names or [])
        label_arr = None
        if labels is not None:
            label_arr = np.asarray(labels, dtype=np.int64)
            if len(label_arr) != len(paths):
                raise ValueError(f"image_dataset_from_directory: {len(label_arr)} labels given "
                                 f"for {len(paths)} image files in {directory!r}")
            names = names or [str(i) for i in range(int(label_arr.max()) + 1)]
        else:
            label_mode = None
    if not paths:
        raise ValueError(f"image_dataset_from_directory: no images ({', '.join(IMAGE_EXTENSIONS)}) "
                         f"found in {directory!r}")
    if label_mode == "binary" and len(names) != 2:
        raise ValueError(f"image_dataset_from_directory: label_mode='binary' needs exactly 2 "
                         f"classes, found {len(names)}: {names}")
    if verbose:
        print(f"Found {len(paths)} files belonging to {len(names)} classes.")

    order = np.random.default_rng(seed).permutation(len(paths)) if shuffle else \
        np.arange(len(paths))
    paths = [paths[i] for i in order]
    if label_arr is not None:
        label_arr = label_arr[order]

    def load(path: str) -> np.ndarray:
        img = load_img(path, color_mode=color_mode, target_size=tuple(image_size),
                       interpolation=interpolation, keep_aspect_ratio=crop_to_aspect_ratio)
        return img_to_array(img, data_format="channels_last")

    channels_first = (data_format or image_data_format()) == "channels_first"

    def make(sel: slice, shuffle_epochs: bool) -> ImageBatchDataset:
        return ImageBatchDataset(paths[sel], None if label_arr is None else label_arr[sel],
                                 names, label_mode, load, batch_size or 1, shuffle_epochs,
                                 seed, channels_first)

    if validation_split is None:
        return make(slice(None), shuffle)
    n_val = int(validation_split * len(paths))
    train, val = make(slice(0, len(paths) - n_val), shuffle), \
        make(slice(len(paths) - n_val, None), False)
    if verbose and subset in ("training", "both"):
        print(f"Using {len(paths) - n_val} files for training.")
    if verbose and subset in ("validation", "both"):
        print(f"Using {n_val} files for validation.")
    return {"training": train, "validation": val, "both": (train, val)}[subset]
