"""``keras.utils.clear_session``: start a fresh naming scope (and free memory)."""
from __future__ import annotations

import gc

from . import naming


def clear_session(free_memory: bool = True) -> None:
    """Reset automatic layer names so the next ``Dense`` is named ``dense`` again, as after
    Keras' ``clear_session()``; with ``free_memory``, run the garbage collector (and
    empty the CUDA cache when a GPU is in use)."""
    naming.reset()
    if free_memory:
        gc.collect()
        import torch
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
