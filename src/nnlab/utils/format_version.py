"""Format versions of the files nnlab writes: one check and one message for all of them.

A model/weights file (:mod:`nnlab.models.saving.serialization`) and a resume checkpoint
(:mod:`nnlab.training.checkpoint`) each name their kind (``format``: ``"nnlab-model"``,
``"nnlab-weights"``, ``"nnlab-checkpoint"``) and the layout version of it they hold
(a compressed model, :mod:`nnlab.compress.file_format`, has it in its name: ``/1``);
a reader knows the newest version it understands. A file of a newer version, or whose
format names a kind of ``nnlab-`` file this nnlab does not know (a later nnlab's), is
refused -- before anything else in it is read -- with the same message for every kind:

    '<path>' was written by a newer nnlab (format 3, this nnlab reads up to 1): upgrade
    nnlab to read it (this is nnlab 0.1.0), or <what else to do>.

A version that is not a whole number >= 1 means a damaged or foreign file.
"""
from __future__ import annotations

import sys
from typing import Any

from ..errors import ConfigError

__all__ = ["check_format_version", "check_format_name", "newer_nnlab", "nnlab_version"]

#: the prefix of every format name nnlab writes
PREFIX = "nnlab-"
#: the format names this nnlab writes (and reads)
KNOWN_FORMATS = ("nnlab-model", "nnlab-weights", "nnlab-checkpoint",
                 "nnlab-deep-compression/1")


def nnlab_version() -> str:
    """This nnlab's version (read from the loaded package: no import from this floor)."""
    return str(getattr(sys.modules.get("nnlab"), "__version__", "?"))


def newer_nnlab(path: str, what: str, found: Any, newest: Any, instead: str) -> ConfigError:
    """The error for ``what`` at ``path`` written by a newer nnlab (``found`` > ``newest``)."""
    return ConfigError(f"{what} {path!r} was written by a newer nnlab (format {found}, this "
                       f"nnlab reads up to {newest}): upgrade nnlab to read it (this is nnlab "
                       f"{nnlab_version()}), or {instead}.")


def check_format_name(path: str, what: str, name: Any, newest: Any, instead: str) -> None:
    """Refuse a format name starting with ``nnlab-`` that is none of
    :data:`KNOWN_FORMATS`: the kind of file of a later nnlab (any other name is the
    caller's "not an nnlab ... file")."""
    if isinstance(name, str) and name.startswith(PREFIX) and name not in KNOWN_FORMATS:
        raise newer_nnlab(path, what, repr(name), newest, instead)


def check_format_version(path: str, what: str, version: Any, newest: int,
                         instead: str) -> int:
    """``version`` as an int (a decimal string is accepted: safetensors metadata are
    strings); a ConfigError naming ``path`` when it is not an int >= 1 (damaged or
    foreign) or newer than ``newest`` (:func:`newer_nnlab`)."""
    if isinstance(version, str) and version.isdigit():
        version = int(version)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ConfigError(f"{what} {path!r} has no valid format version ({version!r}): it "
                          f"is damaged or was not written by nnlab; {instead}.")
    if version > newest:
        raise newer_nnlab(path, what, version, newest, instead)
    return version
