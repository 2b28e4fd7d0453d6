"""One-time deprecation warnings for Keras 2 spellings that lecture code still uses."""
from __future__ import annotations

import warnings

_WARNED: set = set()


def warn_once(key: str, message: str, stacklevel: int = 3) -> None:
    """Emit ``DeprecationWarning(message)`` the first time ``key`` is seen in this process.

    The message names the Keras 3 form to use instead."""
    if key in _WARNED:
        return
    _WARNED.add(key)
    warnings.warn(message, DeprecationWarning, stacklevel=stacklevel)
