"""CIFAR-10 and CIFAR-100 from their official binary archives (no unpickling).

The archives (``cifar-10-binary.tar.gz``, ``cifar-100-binary.tar.gz``, from
https://www.cs.toronto.edu/~kriz/cifar.html, with the MD5 sums published there) hold
fixed-length records of raw bytes: CIFAR-10 one label byte then 3,072 pixel bytes
(1,024 red, 1,024 green, 1,024 blue, each 32x32 row-major), CIFAR-100 a coarse and a
fine label byte then the same pixels. The members are read from the tar by their exact
names, never extracted to disk, and nothing is unpickled (the "python version"
archives Keras reads are pickles: not used here).

``nnlab data fetch cifar10`` downloads the archive (:mod:`.download`); the loaders only
read it, check its MD5 once, and cache the arrays as ``<cache>/datasets/<name>.npz``.
"""
from __future__ import annotations

import tarfile
from typing import Dict, List, Tuple

import numpy as np

from . import cache
from .download import Remote, file_digest, local_file

#: name -> the official archive
REMOTES: Dict[str, Remote] = {
    "cifar10": Remote("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
                      "cifar-10-binary.tar.gz", "md5", "c32a1d4ab5d03f1284b67883e8d87530"),
    "cifar100": Remote("https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",
                       "cifar-100-binary.tar.gz", "md5", "03b5dce01913d631647c71ecec9e9cb8"),
}

#: name -> (train members, test members, label bytes per record)
MEMBERS: Dict[str, Tuple[List[str], List[str], int]] = {
    "cifar10": ([f"cifar-10-batches-bin/data_batch_{i}.bin" for i in range(1, 6)],
                ["cifar-10-batches-bin/test_batch.bin"], 1),
    "cifar100": (["cifar-100-binary/train.bin"], ["cifar-100-binary/test.bin"], 2),
}

PIXELS = 32 * 32 * 3


def parse_records(raw: bytes, label_bytes: int) -> Tuple[np.ndarray, np.ndarray]:
    """Binary CIFAR records -> images uint8 ``(N, 32, 32, 3)`` (channels last, as Keras
    returns them) and labels uint8 ``(N, label_bytes)``. ValueError unless ``raw`` is
    a whole number of records."""
    size = label_bytes + PIXELS
    if len(raw) == 0 or len(raw) % size:
        raise ValueError(f"{len(raw)} bytes is not a whole number of {size}-byte records")
    records = np.frombuffer(raw, dtype=np.uint8).reshape(-1, size)
    images = records[:, label_bytes:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), records[:, :label_bytes].copy()


def _read_members(tar: tarfile.TarFile, names: List[str], label_bytes: int):
    images, labels = [], []
    for name in names:
        member = tar.getmember(name)  # KeyError: not the archive we expect
        if not member.isfile():
            raise ValueError(f"{name} is not a regular file")
        data = tar.extractfile(member).read()
        x, y = parse_records(data, label_bytes)
        images.append(x)
        labels.append(y)
    return np.concatenate(images), np.concatenate(labels)


def read_archive(name: str, path) -> Dict[str, np.ndarray]:
    """The arrays of a CIFAR binary archive at ``path``: ``x_train``, ``x_test`` uint8
    ``(N, 32, 32, 3)`` and ``y_train``, ``y_test`` uint8 ``(N, 1)`` (CIFAR-100: also
    ``y_train_coarse``/``y_test_coarse``). Raises :class:`cache.DamagedSource` for a
    file that is not the published archive or cannot be read."""
    remote = REMOTES[name]
    digest = file_digest(path, remote.algorithm)
    if digest != remote.digest:
        raise cache.DamagedSource(name, str(path), f"{remote.algorithm} {digest}, the published "
                                  f"{remote.filename} has {remote.digest}; delete it. "
                                  f"{remote.by_hand()}")
    train, test, label_bytes = MEMBERS[name]
    try:
        with tarfile.open(path, "r:gz") as tar:
            x_train, y_train = _read_members(tar, train, label_bytes)
            x_test, y_test = _read_members(tar, test, label_bytes)
    except (OSError, EOFError, KeyError, ValueError, tarfile.TarError) as err:
        raise cache.DamagedSource(name, str(path), f"{type(err).__name__}: {err}") from err
    arrays = {"x_train": x_train, "x_test": x_test,
              "y_train": y_train[:, -1:].copy(), "y_test": y_test[:, -1:].copy()}
    if label_bytes == 2:
        arrays["y_train_coarse"] = y_train[:, :1].copy()
        arrays["y_test_coarse"] = y_test[:, :1].copy()
    return arrays


def _check(name: str):
    def check(arrays: Dict[str, np.ndarray]) -> None:
        keys = ["x_train", "x_test", "y_train", "y_test"] + (
            ["y_train_coarse", "y_test_coarse"] if name == "cifar100" else [])
        for key in keys:
            shape = (None, 32, 32, 3) if key.startswith("x") else (None, 1)
            cache.check_array(arrays, key, shape, np.uint8)
    return check


def load_cifar(name: str = "cifar10", label_mode: str = "fine"):
    """``(x_train, y_train), (x_test, y_test)`` of ``"cifar10"`` or ``"cifar100"``, as
    Keras returns them: images uint8 ``(50000, 32, 32, 3)`` / ``(10000, 32, 32, 3)``,
    labels uint8 ``(50000, 1)`` / ``(10000, 1)``. ``label_mode`` (CIFAR-100 only):
    ``"fine"`` (100 classes) or ``"coarse"`` (20 superclasses).

    Offline: the archive must be in the sources folder (``nnlab data fetch NAME``, or put
    there by hand); otherwise :class:`cache.DatasetNotAvailable` says which URL and where.
    """
    if name not in REMOTES:
        raise ValueError(f"load_cifar: name must be one of {sorted(REMOTES)}, got {name!r}")
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f"label_mode must be 'fine' or 'coarse', got {label_mode!r}")
    remote = REMOTES[name]

    def build() -> Dict[str, np.ndarray]:
        path = local_file(remote)
        if path is None:
            raise cache.DatasetNotAvailable(
                name, f"no {remote.filename} at {remote.path()}",
                needs=f"it downloads {remote.url}; or by hand: {remote.by_hand()[:-1]}")
        return read_archive(name, path)

    arrays = cache.cached(name, build, _check(name))
    suffix = "_coarse" if name == "cifar100" and label_mode == "coarse" else ""
    return ((arrays["x_train"], arrays["y_train" + suffix]),
            (arrays["x_test"], arrays["y_test" + suffix]))
