"""Files from their official URL: one download, its published checksum, the nnlab cache.

A :class:`Remote` names a file by its official URL, its file name and the checksum its
publisher lists (``md5`` or ``sha256``). :func:`download` streams it into
``<sources>/<filename>`` (``$NNLAB_SOURCES_DIR`` or ``<cache>/sources``, see
:mod:`nnlab.data.datasets.cache`): into a temporary file beside it first, hashed on the
way; a file whose checksum differs is deleted and refused, so only the published bytes
ever land under the real name (atomic ``os.replace``). A file already there is used as it
is and the network is not touched. Without a network the error says which URL to fetch
and where to put the file by hand.

Loaders never download (:func:`local_file` only looks); ``nnlab data fetch NAME`` does.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import NamedTuple, Optional

from . import cache

_CHUNK = 1 << 20


class DownloadError(RuntimeError):
    """A file could not be downloaded, or arrived with the wrong checksum; the message
    says which URL, and where to put the file by hand."""


class Remote(NamedTuple):
    """A published file: its official ``url``, the ``filename`` it is kept under, and
    the checksum its publisher lists (``algorithm`` is ``"md5"`` or ``"sha256"``)."""

    url: str
    filename: str
    algorithm: str
    digest: str

    def path(self) -> Path:
        """Where the file lives once fetched: ``<sources>/<filename>``."""
        return cache.sources_dir() / self.filename

    def by_hand(self) -> str:
        """The sentence that says how to bring the file without nnlab's network access."""
        return (f"Download {self.url} on a machine with internet access and put it at "
                f"{self.path()} ({self.algorithm} {self.digest}).")


def file_digest(path: Path, algorithm: str) -> str:
    """The hex digest of a file, read in 1 MiB chunks."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def local_file(remote: Remote) -> Optional[Path]:
    """The fetched (or hand-placed) file, or None; never touches the network."""
    path = remote.path()
    return path if path.is_file() else None


def download(remote: Remote, timeout: float = 60.0) -> Path:
    """``remote`` in the cache: the file already there, or downloaded and verified.

    Raises:
        DownloadError: the URL cannot be reached (offline: the message says which URL
            and where to put the file by hand), or the download's checksum differs from
            the published one (nothing is kept).
    """
    path = remote.path()
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.new(remote.algorithm)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{remote.filename}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(remote.url, timeout=timeout) as response:
                    for chunk in iter(lambda: response.read(_CHUNK), b""):
                        h.update(chunk)
                        out.write(chunk)
            except (urllib.error.URLError, OSError) as err:
                reason = getattr(err, "reason", err)
                raise DownloadError(f"could not download {remote.url} ({reason}). "
                                    f"Offline? {remote.by_hand()}") from err
            out.flush()
            os.fsync(out.fileno())
        if h.hexdigest() != remote.digest.lower():
            raise DownloadError(f"the download of {remote.url} is not the published file: "
                                f"{remote.algorithm} {h.hexdigest()}, expected {remote.digest}; "
                                f"nothing was kept. Retry, or: {remote.by_hand()}")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
