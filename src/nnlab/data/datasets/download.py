"""Files from their official URL: one download, its published checksum, the nnlab cache.

The one download-by-URL of nnlab (CIFAR's archives, Keras' pretrained weight files). A
:class:`Remote` names a file by its official URL, its file name, the checksum its
publisher lists (``md5`` or ``sha256``) and its cache folder (``"sources"``:
``$NNLAB_SOURCES_DIR`` or ``<cache>/sources``; ``"models"``: ``<cache>/models``, see
:mod:`nnlab.data.datasets.cache`). :func:`download`:

- uses a file already there without touching the network (a cache hit; with
  ``verify_cached`` its checksum is checked first);
- otherwise streams the URL into ``<name>.part`` beside the final name, hashing on the
  way, with a progress bar on stderr (when stderr is a terminal, or when asked);
- **resumes**: a ``.part`` left by an interrupted download is continued with an HTTP
  ``Range: bytes=<size>-`` request (a server that ignores it starts the file over);
- refuses a file whose checksum differs: the ``.part`` is deleted, nothing is kept;
- renames the verified ``.part`` to the final name (atomic ``os.replace``), so only the
  published bytes ever appear under the real name.

Without a network the error names the URL, the expected checksum and the exact path to
put the file by hand. Loaders never download (:func:`local_file` only looks);
``nnlab data fetch NAME`` and ``applications.*(weights="imagenet")`` do.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, NamedTuple, Optional

from . import cache

_CHUNK = 1 << 20


class DownloadError(RuntimeError):
    """A file could not be downloaded, or arrived with the wrong checksum; the message
    says which URL, and where to put the file by hand."""


class _Incomplete(OSError):
    """The server closed the connection before the announced length arrived."""


class Remote(NamedTuple):
    """A published file: its official ``url``, the ``filename`` it is kept under, the
    checksum its publisher lists (``algorithm`` is ``"md5"`` or ``"sha256"``; ``digest``
    the whole hex digest, or a published prefix of at least 8 hex digits, as torchvision
    writes into its file names) and the cache ``folder`` (``"sources"`` or ``"models"``)."""

    url: str
    filename: str
    algorithm: str
    digest: str
    folder: str = "sources"

    def path(self) -> Path:
        """Where the file lives once fetched: ``<sources>/<filename>`` or
        ``<cache>/models/<filename>``."""
        base = cache.models_dir() if self.folder == "models" else cache.sources_dir()
        return base / self.filename

    def by_hand(self) -> str:
        """The sentence that says how to bring the file without nnlab's network access."""
        return (f"Download {self.url} on a machine with internet access and put it at "
                f"{self.path()} ({self.algorithm} {self.digest}).")


def digest_matches(actual: str, published: str) -> bool:
    """``actual`` (a whole hex digest) is the ``published`` one, or starts with it when
    the publisher lists a prefix (at least 8 hex digits: torchvision's file names)."""
    published = published.lower()
    return actual == published or (8 <= len(published) < len(actual)
                                   and actual.startswith(published))


def file_digest(path: Path, algorithm: str) -> str:
    """The hex digest of a file, read in 1 MiB chunks."""
    h = hashlib.new(algorithm)
    _hash_into(h, path)
    return h.hexdigest()


def _hash_into(h: Any, path: Path) -> None:
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)


def local_file(remote: Remote) -> Optional[Path]:
    """The fetched (or hand-placed) file, or None; never touches the network."""
    path = remote.path()
    return path if path.is_file() else None


def _progress_bar(remote: Remote, total: Optional[int], done: int, show: Optional[bool]):
    """A tqdm byte counter on stderr; shown when ``show``, or (``show=None``) when stderr
    is a terminal. Disabled bars cost nothing and print nothing."""
    from tqdm.auto import tqdm
    visible = show if show is not None else sys.stderr.isatty()
    return tqdm(total=total, initial=done, unit="B", unit_scale=True, unit_divisor=1024,
                desc=remote.filename, file=sys.stderr, disable=not visible, leave=True)


def _total(response: Any, done: int) -> Optional[int]:
    """The whole file's size from ``Content-Range`` (206) or ``Content-Length``."""
    content_range = response.headers.get("Content-Range", "")
    if "/" in content_range and content_range.rsplit("/", 1)[1].strip().isdigit():
        return int(content_range.rsplit("/", 1)[1])
    length = response.headers.get("Content-Length")
    return done + int(length) if length and length.isdigit() else None


def _stream(remote: Remote, part: Path, h: Any, done: int, timeout: float,
            progress: Optional[bool]) -> None:
    """Append the rest of ``remote`` (from byte ``done``) to ``part``, hashing into ``h``;
    start over when the server ignores the Range request."""
    headers = {"Range": f"bytes={done}-"} if done else {}
    request = urllib.request.Request(remote.url, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        if done and response.status != 206:  # no resume support: the whole file again
            raise _Restart()
        total = _total(response, done)
        with open(part, "ab" if done else "wb") as out, \
                _progress_bar(remote, total, done, progress) as bar:
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                h.update(chunk)
                out.write(chunk)
                done += len(chunk)
                bar.update(len(chunk))
            out.flush()
            os.fsync(out.fileno())
        if total is not None and done < total:
            raise _Incomplete(f"the connection closed after {done:,} of {total:,} bytes")


class _Restart(Exception):
    """The server ignored ``Range``: the ``.part`` is discarded and the file fetched whole."""


def download(remote: Remote, timeout: float = 60.0, progress: Optional[bool] = None,
             verify_cached: bool = False) -> Path:
    """``remote`` in the cache: the file already there, or downloaded (resuming a
    ``.part`` left by an interrupted try) and verified.

    Args:
        remote: the published file.
        timeout: seconds to wait for the server, per request and per read.
        progress: show a progress bar on stderr (``None``: only when stderr is a terminal).
        verify_cached: check the checksum of a file already in the cache (hand-placed
            weight files); a wrong one raises and is left where it is.

    Raises:
        DownloadError: the URL cannot be reached or the connection broke (the message names
            the URL, the checksum and where to put the file by hand; bytes already received
            stay in ``<name>.part`` and the next call resumes), or the checksum differs from
            the published one (nothing is kept).
    """
    path = remote.path()
    if path.is_file():
        if verify_cached and not digest_matches(file_digest(path, remote.algorithm),
                                                remote.digest):
            raise DownloadError(f"{path} is not the published file of {remote.url} (its "
                                f"{remote.algorithm} is {file_digest(path, remote.algorithm)}, "
                                f"expected {remote.digest}); delete or replace it. "
                                f"{remote.by_hand()}")
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    for attempt in range(2):  # the second only when the server ignored Range
        h = hashlib.new(remote.algorithm)
        done = part.stat().st_size if part.is_file() and attempt == 0 else 0
        if done:
            _hash_into(h, part)
        try:
            _stream(remote, part, h, done, timeout, progress)
            break
        except _Restart:
            part.unlink()
        except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
            kept = part.stat().st_size if part.is_file() else 0
            if not kept and part.exists():
                part.unlink()
            resume = (f"The {kept:,} bytes received are kept in {part}; the next try "
                      f"resumes from there. " if kept else "")
            reason = getattr(err, "reason", err)
            raise DownloadError(f"could not download {remote.url} ({reason}). {resume}"
                                f"Offline? {remote.by_hand()}") from err
    if not digest_matches(h.hexdigest(), remote.digest):
        part.unlink()
        raise DownloadError(f"the download of {remote.url} is not the published file: "
                            f"{remote.algorithm} {h.hexdigest()}, expected {remote.digest}; "
                            f"nothing was kept. Retry, or: {remote.by_hand()}")
    os.replace(part, path)
    return path
