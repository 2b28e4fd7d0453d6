"""``nnlab weights list`` and ``nnlab weights fetch NAME``: prefetch pretrained weight files.

The files ``weights="imagenet"`` downloads on first use, fetched ahead of time (before
going offline) through the same one download path
(:func:`nnlab.data.fetch.fetch_file`: checksum-verified, resumable, a progress bar on a
terminal, ``$NNLAB_CACHE_DIR/models``). Two families, one name each:

- ``keras-<model>`` / ``keras-<model>-notop``: Keras' published files for
  ``nnlab.applications.<Model>(weights="imagenet")`` with / without the top
  (:mod:`nnlab.applications.keras_weights`, md5-checked);
- ``torchvision-<arch>``: torchvision's published files for
  ``nnlab.zoo.create("<arch>", weights="imagenet")`` (:mod:`nnlab.zoo.torchvision_hub`,
  SHA-256 prefix checked).

Names are case-insensitive and ``_`` equals ``-`` (``keras-vgg16-notop``,
``torchvision-wide-resnet50-2``). Tables are read at call time, so a test pointing them
at a local server is seen here too.
"""
from __future__ import annotations

from typing import Dict, List, NamedTuple, Tuple

from .datasets.download import Remote, local_file

__all__ = ["WeightsInfo", "fetch_weights", "list_weights", "weight_files"]


class WeightsInfo(NamedTuple):
    """One row of :func:`list_weights`."""

    name: str
    available: bool
    used_by: str
    url: str


def weight_files() -> Dict[str, Tuple[Remote, str]]:
    """``name -> (published file, the call that uses it)``, Keras' files first."""
    from ..applications.keras_weights import KERAS_WEIGHTS
    from ..zoo.torchvision_hub import TORCHVISION_WEIGHTS
    out: Dict[str, Tuple[Remote, str]] = {}
    for (model, top), remote in KERAS_WEIGHTS.items():
        call = (f"applications.{model}(weights='imagenet'"
                f"{'' if top else ', include_top=False'})")
        out[f"keras-{model.lower()}{'' if top else '-notop'}"] = (remote, call)
    for arch, remote in TORCHVISION_WEIGHTS.items():
        out[f"torchvision-{arch}"] = (remote, f"zoo.create({arch!r}, weights='imagenet')")
    return out


def _key(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def list_weights() -> List[WeightsInfo]:
    """Every pretrained file nnlab can download: ``(name, available, used_by, url)``;
    ``available`` when the file is in the cache. Nothing is downloaded."""
    return [WeightsInfo(name, local_file(remote) is not None, call, remote.url)
            for name, (remote, call) in weight_files().items()]


def fetch_weights(name: str, progress: bool = None) -> str:
    """Bring the weight file ``name`` into the cache (once); return what was done.

    Raises:
        ValueError: unknown name (the message lists the known ones).
        nnlab.data.fetch.FetchError: offline or a broken download (the message names the
            URL, the checksum and where to put the file by hand), or a file that is not
            the published one.
    """
    from .fetch import fetch_file
    files = {_key(n): (n, remote) for n, (remote, _) in weight_files().items()}
    if _key(name) not in files:
        raise ValueError(f"unknown weights {name!r}; known: {', '.join(n for n, _ in files.values())}"
                         f" (nnlab weights list)")
    canonical, remote = files[_key(name)]
    had = local_file(remote) is not None
    path = fetch_file(remote, progress=progress)
    return f"{canonical}: {'already available' if had else 'downloaded'} {path}"
