"""torchvision's published ImageNet files for the zoo: ``zoo.create(name, weights="imagenet")``.

torchvision publishes its ImageNet weights at ``https://download.pytorch.org/models/`` and
writes the first 8 hex digits of each file's SHA-256 into its name
(``resnet18-f37072fd.pth``; ``torch.hub`` checks that prefix, and so does nnlab). The
files listed here are torchvision's ``IMAGENET1K_V1`` weights (``torchvision/models/
{resnet,vgg,densenet,squeezenet}.py``) for the architectures that load them
(:data:`~nnlab.zoo.torchvision_weights.SUPPORTED` minus AlexNet, whose torchvision
variant is not the zoo's).

``imagenet_file(arch)`` -> the file in the cache (``<NNLAB_CACHE_DIR>/models/<file name>``),
downloaded on first use through nnlab's one download path
(:func:`nnlab.data.fetch.fetch_file`: SHA-256 prefix verified, resumable, a progress bar on
a terminal), then loaded by :func:`~nnlab.zoo.torchvision_weights.load_torchvision_state_dict`
(``torch.load(..., weights_only=True)``). Offline, the error names the URL and the exact
path to put the file by hand (``nnlab weights fetch torchvision-ARCH`` prefetches it).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict

from ..data.datasets.download import Remote

__all__ = ["TORCHVISION_WEIGHTS", "has_imagenet_file", "imagenet_file", "remote_for"]

_BASE = "https://download.pytorch.org/models/"
#: torchvision's rule (``torch.hub.HASH_REGEX``): ``<stem>-<sha256 prefix>.<ext>``
_HASH_IN_NAME = re.compile(r"-([a-f0-9]{8,64})\.[a-z]+$")

_FILES = ("resnet18-f37072fd.pth", "resnet34-b627a593.pth", "resnet50-0676ba61.pth",
          "resnet101-63fe2227.pth", "resnet152-394f9c45.pth", "wide_resnet50_2-95faca4d.pth",
          "vgg16-397923af.pth", "vgg19-dcbb9e9d.pth", "densenet121-a639ec97.pth",
          "densenet169-b2777c0a.pth", "densenet201-c1103571.pth", "squeezenet1_0-b66bff10.pth",
          "squeezenet1_1-b8a52dc0.pth")


def remote_for(url: str) -> Remote:
    """The :class:`Remote` of a torchvision-style URL: its file name, and the SHA-256
    prefix that name carries as the checksum (``sha256``, folder ``models``)."""
    filename = url.rsplit("/", 1)[-1]
    match = _HASH_IN_NAME.search(filename)
    if match is None:
        raise ValueError(f"{url!r} does not carry a SHA-256 prefix in its file name "
                         f"(torchvision names files <arch>-<8 hex digits>.pth)")
    return Remote(url, filename, "sha256", match.group(1), folder="models")


#: zoo architecture -> torchvision's published ImageNet file (tests point these at a
#: local server)
TORCHVISION_WEIGHTS: Dict[str, Remote] = {
    name.rsplit("-", 1)[0]: remote_for(_BASE + name) for name in _FILES}


def has_imagenet_file(arch: str) -> bool:
    """True when torchvision publishes ImageNet weights nnlab's ``arch`` loads."""
    return arch in TORCHVISION_WEIGHTS


def imagenet_file(arch: str) -> Path:
    """torchvision's ImageNet file for ``arch`` in the cache: downloaded (verified,
    resumable, progress on a terminal) on first use, checked by its SHA-256 prefix on
    every use.

    Raises:
        nnlab.data.fetch.FetchError: offline or a broken download (the message names the
            URL and where to put the file by hand), or a file that is not the published one.
    """
    from ..data.fetch import fetch_file
    return fetch_file(TORCHVISION_WEIGHTS[arch])
