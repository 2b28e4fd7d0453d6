"""Keras 2's ``keras.preprocessing.image``: ``ImageDataGenerator`` and the image-file helpers.

``ImageDataGenerator`` is deprecated in Keras 3 (use preprocessing layers such as
``nnlab.layers.RandomFlip`` inside the model, or :mod:`nnlab.data.transforms`); nnlab keeps it
because course material uses it, warns once, and runs it on nnlab's batched transforms:
one :class:`~nnlab.data.transforms.RandomAffine` resampling per batch for rotation, shift,
shear and zoom, plus flips, brightness and channel shifts.

Order per batch, as Keras: random transform -> ``preprocessing_function`` -> ``rescale`` ->
sample-wise centring/scaling -> feature-wise centring/scaling -> ZCA whitening.
Images are ``(N, H, W, C)`` (channels_last) float32.
"""
from __future__ import annotations

import math
import os
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from .._deprecation import warn_once
from ..utils.image import array_to_img, img_to_array, load_img, save_img

__all__ = ["ImageDataGenerator", "array_to_img", "img_to_array", "load_img", "save_img"]

_FILL_MODES = {"nearest": "nearest", "reflect": "reflect", "constant": "constant"}


class ImageDataGenerator:
    """Real-time augmentation over numpy images (Keras 2's signature; deprecated there too).

    Args (Keras' meaning): ``featurewise_center``, ``samplewise_center``,
    ``featurewise_std_normalization``, ``samplewise_std_normalization``, ``zca_whitening``,
    ``zca_epsilon``, ``rotation_range`` (degrees), ``width_shift_range`` /
    ``height_shift_range`` (fraction of the size if < 1, else pixels), ``brightness_range``
    ``(low, high)`` factors, ``shear_range`` (degrees), ``zoom_range`` (``z`` for
    ``[1 - z, 1 + z]`` or ``(low, high)``), ``channel_shift_range``, ``fill_mode``
    (``"nearest"``, ``"reflect"``, ``"constant"``; Keras' ``"wrap"`` is not supported),
    ``cval``, ``horizontal_flip``, ``vertical_flip``, ``rescale``,
    ``preprocessing_function`` (one image ``(H, W, C)`` numpy array in, same shape out),
    ``validation_split``, ``seed``-able flows.

    Raises:
        ValueError: an unsupported ``fill_mode``, a bad range, or ``data_format`` other
            than channels_last.
    """

    def __init__(self, featurewise_center: bool = False, samplewise_center: bool = False,
                 featurewise_std_normalization: bool = False,
                 samplewise_std_normalization: bool = False, zca_whitening: bool = False,
                 zca_epsilon: float = 1e-6, rotation_range: float = 0,
                 width_shift_range: float = 0.0, height_shift_range: float = 0.0,
                 brightness_range: Optional[Sequence[float]] = None, shear_range: float = 0.0,
                 zoom_range: Union[float, Sequence[float]] = 0.0,
                 channel_shift_range: float = 0.0, fill_mode: str = "nearest", cval: float = 0.0,
                 horizontal_flip: bool = False, vertical_flip: bool = False,
                 rescale: Optional[float] = None,
                 preprocessing_function: Optional[Callable] = None,
                 data_format: Optional[str] = None, validation_split: float = 0.0,
                 interpolation_order: int = 1, dtype: Any = "float32"):
        warn_once("ImageDataGenerator", "ImageDataGenerator is deprecated in Keras 3; use "
                  "preprocessing layers in the model (nnlab.layers.RandomFlip, RandomRotation, "
                  "RandomZoom, ...) or nnlab.data.transforms")
        if fill_mode not in _FILL_MODES:
            raise ValueError(f"ImageDataGenerator: fill_mode must be one of {sorted(_FILL_MODES)}"
                             f", got {fill_mode!r}")
        if data_format not in (None, "channels_last"):
            raise ValueError(f"ImageDataGenerator: only data_format='channels_last' is "
                             f"supported, got {data_format!r}")
        if not 0 <= validation_split < 1:
            raise ValueError(f"ImageDataGenerator: validation_split must be in [0, 1), got "
                             f"{validation_split!r}")
        if isinstance(zoom_range, (int, float)):
            zoom = (1 - zoom_range, 1 + zoom_range)
        else:
            zoom = tuple(float(v) for v in zoom_range)
            if len(zoom) != 2:
                raise ValueError(f"ImageDataGenerator: zoom_range must be a float or "
                                 f"(low, high), got {zoom_range!r}")
        if brightness_range is not None and len(brightness_range) != 2:
            raise ValueError(f"ImageDataGenerator: brightness_range must be (low, high), got "
                             f"{brightness_range!r}")
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening, self.zca_epsilon = zca_whitening, zca_epsilon
        self.rotation_range, self.shear_range = rotation_range, shear_range
        self.width_shift_range, self.height_shift_range = width_shift_range, height_shift_range
        self.zoom_range = zoom
        self.brightness_range = brightness_range
        self.channel_shift_range, self.fill_mode, self.cval = channel_shift_range, fill_mode, cval
        self.horizontal_flip, self.vertical_flip = horizontal_flip, vertical_flip
        self.rescale, self.preprocessing_function = rescale, preprocessing_function
        self.validation_split, self.dtype = validation_split, dtype
        self.interpolation = "nearest" if interpolation_order == 0 else "bilinear"
        self.mean = self.std = self.zca_whitening_matrix = None

    # ------------------------------------------------------------------ statistics
    def fit(self, x: Any, augment: bool = False, rounds: int = 1, seed: Optional[int] = None):
        """Compute the feature-wise mean/std (per channel) and the ZCA matrix from ``x``
        ``(N, H, W, C)``."""
        x = np.asarray(x, dtype="float32")
        if x.ndim != 4:
            raise ValueError(f"ImageDataGenerator.fit: x must be (N, H, W, C), got shape "
                             f"{x.shape}")
        if augment:
            gen = torch.Generator().manual_seed(seed or 0)
            x = np.concatenate([self._random(torch.from_numpy(x), gen).numpy()
                                for _ in range(rounds)])
        self.mean = x.mean(axis=(0, 1, 2), keepdims=True)[0]
        self.std = x.std(axis=(0, 1, 2), keepdims=True)[0]
        if self.zca_whitening:
            flat = x.reshape(len(x), -1)
            flat = flat - flat.mean(axis=0)  # Keras centres before the covariance
            sigma = flat.T @ flat / flat.shape[0]
            u, s, _ = np.linalg.svd(sigma)
            self.zca_whitening_matrix = (u * (1.0 / np.sqrt(s[None] + self.zca_epsilon))) @ u.T
        return self

    def _affine(self, gen: torch.Generator):
        from ..data.transforms import RandomAffine
        w, h = self.width_shift_range, self.height_shift_range
        return RandomAffine(degrees=self.rotation_range or None, shear=self.shear_range or None,
                            zoom=self.zoom_range if self.zoom_range != (1, 1) else None,
                            zoom_width=self.zoom_range if self.zoom_range != (1, 1) else None,
                            translate=h or None, translate_width=w or None,
                            fill_mode=_FILL_MODES[self.fill_mode], fill_value=self.cval,
                            interpolation=self.interpolation, generator=gen,
                            data_format="channels_last")

    def _random(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """Random geometric and colour changes of a float batch ``(N, H, W, C)``."""
        n, h, w = x.shape[:3]
        if any((self.rotation_range, self.shear_range, self.width_shift_range,
                self.height_shift_range, self.zoom_range != (1, 1))):
            aff = self._affine(gen)
            # shifts >= 1 are pixels in Keras; RandomAffine takes fractions
            if aff.translate is not None and self.height_shift_range >= 1:
                aff.translate = tuple(v / h for v in aff.translate)
            if aff.translate_width is not None and self.width_shift_range >= 1:
                aff.translate_width = tuple(v / w for v in aff.translate_width)
            x = aff(x)
        if self.channel_shift_range:
            shift = (torch.rand(n, generator=gen) * 2 - 1) * self.channel_shift_range
            low, high = x.amin(dim=(1, 2), keepdim=True), x.amax(dim=(1, 2), keepdim=True)
            x = torch.maximum(torch.minimum(x + shift.view(-1, 1, 1, 1), high), low)
        if self.brightness_range is not None:
            lo, hi = self.brightness_range
            x = x * (lo + (hi - lo) * torch.rand(n, generator=gen)).view(-1, 1, 1, 1)
        for axis, on in ((2, self.horizontal_flip), (1, self.vertical_flip)):
            if on:
                flip = torch.rand(n, generator=gen) < 0.5
                x = torch.where(flip.view(-1, 1, 1, 1), x.flip(axis), x)
        return x

    def standardize(self, x: Any) -> np.ndarray:
        """Apply the deterministic steps (preprocessing_function ... ZCA) to a batch."""
        x = np.array(x, dtype=self.dtype, copy=True)
        if self.preprocessing_function is not None:
            x = np.stack([self.preprocessing_function(img) for img in x]).astype(self.dtype)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= x.mean(axis=(1, 2, 3), keepdims=True)
        if self.samplewise_std_normalization:
            x /= x.std(axis=(1, 2, 3), keepdims=True) + 1e-6
        needs = self.featurewise_center or self.featurewise_std_normalization or self.zca_whitening
        if needs and self.mean is None:
            raise ValueError("ImageDataGenerator: featurewise_center, "
                             "featurewise_std_normalization and zca_whitening need "
                             "statistics: call datagen.fit(x_train) first")
        if self.featurewise_center:
            x -= self.mean
        if self.featurewise_std_normalization:
            x /= self.std + 1e-6
        if self.zca_whitening:
            x = (x.reshape(len(x), -1) @ self.zca_whitening_matrix).reshape(x.shape)
        return x

    def random_transform(self, x: Any, seed: Optional[int] = None) -> np.ndarray:
        """One augmented copy of a single image ``(H, W, C)``."""
        gen = torch.Generator().manual_seed(seed if seed is not None else
                                            int(torch.randint(0, 2**31, (1,))))
        return self._random(torch.as_tensor(np.asarray(x, "float32"))[None], gen)[0].numpy()

    def _batch(self, x: np.ndarray, gen: torch.Generator) -> np.ndarray:
        return self.standardize(self._random(torch.from_numpy(np.asarray(x, "float32")),
                                             gen).numpy())

    # ------------------------------------------------------------------ flows
    def flow(self, x: Any, y: Any = None, batch_size: int = 32, shuffle: bool = True,
             sample_weight: Any = None, seed: Optional[int] = None,
             save_to_dir: Optional[str] = None, save_prefix: str = "",
             save_format: str = "png", subset: Optional[str] = None) -> "BatchIterator":
        """Augmented batches of in-memory images ``x`` ``(N, H, W, C)`` (and labels ``y``)."""
        x = np.asarray(x)
        if x.ndim != 4:
            raise ValueError(f"ImageDataGenerator.flow: x must be (N, H, W, C), got shape "
                             f"{x.shape}" + (" (add a channel axis: x[..., None])"
                                             if x.ndim == 3 else ""))
        if y is not None and len(y) != len(x):
            raise ValueError(f"ImageDataGenerator.flow: x has {len(x)} images but y has "
                             f"{len(y)} labels")
        index = self._subset(len(x), subset)
        ys = None if y is None else np.asarray(y)[index]
        sw = None if sample_weight is None else np.asarray(sample_weight)[index]
        xs = x[index]
        return BatchIterator(self, len(xs), lambda idx: xs[idx], ys, sw, batch_size, shuffle,
                             seed, save_to_dir, save_prefix, save_format)

    def flow_from_directory(self, directory: str, target_size: Tuple[int, int] = (256, 256),
                            color_mode: str = "rgb", classes: Optional[List[str]] = None,
                            class_mode: Optional[str] = "categorical", batch_size: int = 32,
                            shuffle: bool = True, seed: Optional[int] = None,
                            save_to_dir: Optional[str] = None, save_prefix: str = "",
                            save_format: str = "png", follow_links: bool = False,
                            subset: Optional[str] = None,
                            interpolation: str = "nearest", keep_aspect_ratio: bool = False
                            ) -> "BatchIterator":
        """Augmented batches from class sub-folders; ``class_mode``: ``"categorical"``
        (one-hot), ``"binary"``, ``"sparse"`` (ints), ``"input"`` (y = x) or ``None``."""
        from ..utils.image_dataset import _list_files
        if class_mode not in ("categorical", "binary", "sparse", "input", None):
            raise ValueError(f"flow_from_directory: class_mode must be 'categorical', "
                             f"'binary', 'sparse', 'input' or None, got {class_mode!r}")
        if not os.path.isdir(directory):
            raise ValueError(f"flow_from_directory: directory {directory!r} does not exist")
        names = classes or sorted(d for d in os.listdir(directory)
                                  if os.path.isdir(os.path.join(directory, d)))
        paths, labels = [], []
        for k, name in enumerate(names):
            files = _list_files(os.path.join(directory, name), follow_links)
            paths += files
            labels += [k] * len(files)
        print(f"Found {len(paths)} images belonging to {len(names)} classes.")
        index = self._subset(len(paths), subset)
        paths = [paths[i] for i in index]
        labels = np.asarray(labels, dtype="int64")[index]
        y: Any
        if class_mode == "categorical":
            y = np.eye(len(names), dtype="float32")[labels]
        elif class_mode == "binary":
            y = labels.astype("float32")
        elif class_mode == "sparse":
            y = labels
        else:
            y = class_mode  # "input" or None, resolved per batch

        def load(idx):
            return np.stack([img_to_array(load_img(paths[i], color_mode=color_mode,
                                                   target_size=target_size,
                                                   interpolation=interpolation,
                                                   keep_aspect_ratio=keep_aspect_ratio))
                             for i in idx])
        it = BatchIterator(self, len(paths), load, y, None, batch_size, shuffle, seed,
                           save_to_dir, save_prefix, save_format)
        it.class_indices = {name: k for k, name in enumerate(names)}
        it.classes, it.filenames = labels, [os.path.relpath(p, directory) for p in paths]
        return it

    def _subset(self, n: int, subset: Optional[str]) -> np.ndarray:
        if subset not in (None, "training", "validation"):
            raise ValueError(f"subset must be 'training', 'validation' or None, got {subset!r}")
        if subset is not None and not self.validation_split:
            raise ValueError(f"subset={subset!r} needs ImageDataGenerator(validation_split=...)")
        split = int(math.ceil(self.validation_split * n))  # Keras: the first split go to validation
        if subset == "validation":
            return np.arange(split)
        if subset == "training":
            return np.arange(split, n)
        return np.arange(n)


class BatchIterator:
    """Keras' ``NumpyArrayIterator`` / ``DirectoryIterator``: ``len()`` batches per epoch,
    ``it[i]`` is batch ``i``, ``for batch in it`` runs one epoch (so ``fit`` takes it),
    ``next(it)`` cycles forever as in Keras. Batches are ``x`` or ``(x, y)`` or
    ``(x, y, sample_weight)`` numpy arrays."""

    def __init__(self, gen: ImageDataGenerator, n: int, images: Callable, y: Any, sw: Any,
                 batch_size: int, shuffle: bool, seed: Optional[int], save_to_dir: Optional[str],
                 save_prefix: str, save_format: str):
        if n == 0:
            raise ValueError("ImageDataGenerator: no images to iterate over")
        self.gen, self.n, self._images, self._y, self._sw = gen, n, images, y, sw
        self.batch_size, self.shuffle, self.seed = batch_size, shuffle, seed
        self._save = (save_to_dir, save_prefix, save_format)
        self._torch_gen = torch.Generator().manual_seed(
            seed if seed is not None else int(torch.randint(0, 2**31, (1,))))
        self._order = np.arange(n)
        self._epoch, self._pos = 0, 0
        self._new_epoch()

    def __len__(self) -> int:
        return -(-self.n // self.batch_size)

    def _new_epoch(self) -> None:
        if self.shuffle:
            seed = int(torch.randint(0, 2**31, (1,), generator=self._torch_gen))
            self._order = np.random.default_rng(seed).permutation(self.n)
        self._epoch += 1

    def __getitem__(self, i: int):
        if not 0 <= i < len(self):
            raise IndexError(f"batch index {i} out of range for {len(self)} batches")
        idx = self._order[i * self.batch_size:(i + 1) * self.batch_size]
        x = self.gen._batch(self._images(idx), self._torch_gen)
        if self._save[0]:
            for k, img in zip(idx, x):
                save_img(os.path.join(self._save[0], f"{self._save[1]}_{k}_{self._epoch}."
                                      f"{self._save[2]}"), img)
        if self._y is None:
            return x
        y = x if isinstance(self._y, str) else self._y[idx]
        return (x, y) if self._sw is None else (x, y, self._sw[idx])

    def __iter__(self) -> Iterator[Any]:
        for i in range(len(self)):
            yield self[i]
        self._new_epoch()

    def __next__(self):
        if self._pos >= len(self):
            self._pos = 0
            self._new_epoch()
        self._pos += 1
        return self[self._pos - 1]
