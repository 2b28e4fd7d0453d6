"""The local dataset cache: where unpacked data lives and how it is written and read.

Layout (``$NNLAB_CACHE_DIR``, default ``~/.cache/nnlab``)::

    <cache>/datasets/<name>.npz   unpacked arrays, one file per dataset
    <cache>/sources/              downloaded wheels, sdists and IDX files
                                  (``$NNLAB_SOURCES_DIR`` overrides this one)
    <cache>/models/               downloaded pretrained weights (Keras' published files)

Writes are atomic: a temporary file in the same folder, ``fsync``, then
``os.replace``; a crash mid-write never leaves a half-written ``.npz`` under
the real name. Reads never unpickle (``allow_pickle=False``). Each file holds
the SHA-256 of its arrays (names, dtypes, shapes, bytes), verified on every read,
so a file modified after nnlab wrote it (e.g. labels rewritten) is not trusted;
files cached before the hash existed have none and are read as before. A cached
file that cannot be read, fails its hash, or whose arrays fail the dataset's checks, is reported
with a :class:`CacheWarning`, removed, and rebuilt from the source.
"""
from __future__ import annotations

import hashlib
import logging
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ...utils.io import atomic_write

log = logging.getLogger(__name__)

#: Bump when the layout of any cached ``.npz`` changes; older files are rebuilt.
CACHE_FORMAT = 1
_FORMAT_KEY = "__nnlab_cache_format__"
_HASH_KEY = "__nnlab_sha256__"


def arrays_digest(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 (hex) over every array's name, dtype, shape and bytes, in name order."""
    digest = hashlib.sha256()
    for key in sorted(arrays):
        a = np.ascontiguousarray(arrays[key])
        digest.update(f"{key}\0{a.dtype.str}\0{a.shape}\0".encode())
        digest.update(memoryview(a).cast("B") if a.size else b"")
    return digest.hexdigest()


class DatasetNotAvailable(FileNotFoundError):
    """A dataset's source is neither cached nor installed on this machine.

    The message names the command that brings it: ``nnlab data fetch NAME``.
    ``name`` and ``command`` are attributes, for programs that catch it.
    """

    def __init__(self, name: str, detail: str = "",
                 needs: str = "it needs only the package registries") -> None:
        self.name = name
        self.command = f"nnlab data fetch {name}"
        msg = f"dataset {name!r} is not available offline on this machine"
        if detail:
            msg += f" ({detail})"
        msg += f". Run `{self.command}` once ({needs})."
        super().__init__(msg)


class DamagedSource(ValueError):
    """A dataset's source file is truncated, corrupt or not the published file.

    ``path`` is the file; the message says to run ``nnlab data fetch NAME`` (which
    replaces a damaged file it fetched) or what else to do.
    """

    def __init__(self, name: str, path: str, detail: str) -> None:
        self.name, self.path = name, path
        super().__init__(f"dataset {name!r}: the source file {path} is damaged ({detail}). "
                         f"Run `nnlab data fetch {name}`: it replaces a damaged file it "
                         f"fetched (a file of an installed package: reinstall that package).")


class CacheWarning(UserWarning):
    """A cached dataset file was unreadable and is being rebuilt from its source."""


def cache_dir() -> Path:
    """The root of nnlab's cache: ``$NNLAB_CACHE_DIR`` or ``~/.cache/nnlab``."""
    env = os.environ.get("NNLAB_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "nnlab"


def sources_dir() -> Path:
    """Where fetched sources live: ``$NNLAB_SOURCES_DIR`` or ``<cache>/sources``."""
    env = os.environ.get("NNLAB_SOURCES_DIR")
    return Path(env).expanduser() if env else cache_dir() / "sources"


def models_dir() -> Path:
    """Where downloaded pretrained weight files live: ``<cache>/models`` (as Keras'
    ``~/.keras/models``)."""
    return cache_dir() / "models"


def datasets_dir() -> Path:
    """Where unpacked ``.npz`` files live: ``<cache>/datasets``."""
    return cache_dir() / "datasets"


def atomic_write_bytes(path: Path, write: Callable[[object], None]) -> None:
    """Create ``path`` atomically: ``write(fileobj)`` into a temp file beside it, fsync, replace."""

    def write_file(tmp: str) -> None:
        with open(tmp, "wb") as f:
            write(f)

    atomic_write(str(path), write_file)


def save_npz_atomic(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` to ``path`` as an uncompressed ``.npz``, atomically."""
    payload = dict(arrays)
    payload[_FORMAT_KEY] = np.array(CACHE_FORMAT, dtype=np.int64)
    payload[_HASH_KEY] = np.array(arrays_digest(arrays))
    atomic_write_bytes(path, lambda f: np.savez(f, **payload))


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """Read every array of an ``.npz`` into memory (no pickles); raise on any defect."""
    with np.load(path, allow_pickle=False) as z:
        out = {k: z[k] for k in z.files}  # reading each member checks its CRC
    fmt = out.pop(_FORMAT_KEY, None)
    if fmt is None or int(fmt) != CACHE_FORMAT:
        raise ValueError(f"cache format {None if fmt is None else int(fmt)}, expected {CACHE_FORMAT}")
    stored = out.pop(_HASH_KEY, None)  # files cached before the hash existed have none
    if stored is not None and str(stored) != arrays_digest(out):
        raise ValueError("its SHA-256 does not match the one stored when it was written "
                         "(the file was modified after nnlab wrote it)")
    return out


def cached(
    name: str,
    build: Callable[[], dict[str, np.ndarray]],
    check: Callable[[dict[str, np.ndarray]], None],
) -> dict[str, np.ndarray]:
    """Return dataset ``name``'s arrays from ``<cache>/datasets/<name>.npz``, building them if needed.

    ``build()`` unpacks the source (it raises :class:`DatasetNotAvailable` when
    the source is absent); ``check(arrays)`` raises ``ValueError`` when arrays
    do not have the expected keys, shapes or dtypes. A cached file that fails to
    load or to check gives a :class:`CacheWarning`, is deleted and rebuilt.
    """
    path = datasets_dir() / f"{name}.npz"
    if path.exists():
        try:
            arrays = read_npz(path)
            check(arrays)
            return arrays
        except Exception as err:  # noqa: BLE001 - any defect means: rebuild
            warnings.warn(
                f"nnlab: the cached file {path} is corrupt or incomplete "
                f"({type(err).__name__}: {err}); re-unpacking {name!r} from its source.",
                CacheWarning,
                stacklevel=3,
            )
            try:
                path.unlink()
            except OSError:
                pass
    arrays = build()
    check(arrays)
    try:
        save_npz_atomic(path, arrays)
        log.info("nnlab: cached %s at %s", name, path)
    except OSError as err:
        warnings.warn(f"nnlab: could not write the cache file {path} ({err}); "
                      "the data is returned but will be unpacked again next time.",
                      CacheWarning, stacklevel=3)
    return arrays


def is_cached(name: str) -> bool:
    """Whether ``<cache>/datasets/<name>.npz`` exists (its contents are not checked)."""
    return (datasets_dir() / f"{name}.npz").is_file()


# --- strings in .npz without pickles: utf-8 bytes plus offsets --------------------------------


def encode_strings(prefix: str, strings: Sequence[str]) -> dict[str, np.ndarray]:
    """Pack ``strings`` into ``{prefix}_bytes`` (uint8) and ``{prefix}_offsets`` (int64, len+1)."""
    encoded = [s.encode("utf-8") for s in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return {f"{prefix}_bytes": data.copy(), f"{prefix}_offsets": offsets}


def decode_strings(prefix: str, arrays: dict[str, np.ndarray]) -> list[str]:
    """Inverse of :func:`encode_strings`; raises ``ValueError`` on inconsistent arrays."""
    data = arrays[f"{prefix}_bytes"]
    offsets = arrays[f"{prefix}_offsets"]
    if data.dtype != np.uint8 or data.ndim != 1 or offsets.ndim != 1 or len(offsets) < 1:
        raise ValueError(f"{prefix}: malformed string arrays")
    if offsets[0] != 0 or offsets[-1] != len(data) or np.any(np.diff(offsets) < 0):
        raise ValueError(f"{prefix}: string offsets do not match the data")
    raw = data.tobytes()
    return [raw[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]


def check_strings(prefix: str, arrays: dict[str, np.ndarray], count: int | None = None) -> None:
    """Raise ``ValueError`` unless ``prefix`` holds decodable strings (``count`` of them if given)."""
    n = len(decode_strings(prefix, arrays))
    if count is not None and n != count:
        raise ValueError(f"{prefix}: {n} strings, expected {count}")


def check_array(arrays: dict[str, np.ndarray], key: str, shape: tuple, dtype) -> None:
    """Raise ``ValueError`` unless ``arrays[key]`` has ``shape`` (``None`` = any size) and ``dtype``."""
    if key not in arrays:
        raise ValueError(f"missing array {key!r}")
    a = arrays[key]
    if a.dtype != np.dtype(dtype):
        raise ValueError(f"{key}: dtype {a.dtype}, expected {np.dtype(dtype)}")
    if a.ndim != len(shape) or any(s is not None and s != t for s, t in zip(shape, a.shape)):
        raise ValueError(f"{key}: shape {a.shape}, expected {shape}")
