"""``keras.utils.PyDataset`` (Keras 3) and its Keras 2 name ``Sequence``: a batch generator
class that ``fit``, ``evaluate`` and ``predict`` take directly.

Subclass it, implement ``__len__`` (batches per epoch) and ``__getitem__(index)`` (batch
``index`` as ``x``, ``(x, y)`` or ``(x, y, sample_weight)`` numpy arrays or tensors), and
optionally ``on_epoch_end``. nnlab produces the batches in the training thread, in index
order; ``workers``, ``use_multiprocessing`` and ``max_queue_size`` are accepted as Keras'
and recorded, but no worker pool is started (for parallel loading use a torch
``Dataset`` with ``DataLoader(num_workers=...)``).
"""
from __future__ import annotations

from typing import Any, Iterator


class PyDataset:
    """Base class of index-addressable batch generators (see the module docstring).

    Example:
        >>> class Batches(PyDataset):
        ...     def __init__(self, x, y, batch_size):
        ...         super().__init__()
        ...         self.x, self.y, self.batch_size = x, y, batch_size
        ...     def __len__(self):
        ...         return -(-len(self.x) // self.batch_size)
        ...     def __getitem__(self, i):
        ...         s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        ...         return self.x[s], self.y[s]
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False,
                 max_queue_size: int = 10):
        self.workers, self.use_multiprocessing = workers, use_multiprocessing
        self.max_queue_size = max_queue_size

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index) "
                                  f"returning batch number index")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__() returning "
                                  f"the number of batches per epoch")

    @property
    def num_batches(self) -> int:
        return len(self)

    def on_epoch_begin(self) -> None:
        """Called before each epoch's first batch (override, e.g. to reshuffle)."""

    def on_epoch_end(self) -> None:
        """Called after each epoch's last batch (override, e.g. to reshuffle)."""

    def __iter__(self) -> Iterator[Any]:
        """One epoch: ``on_epoch_begin``, batches ``0 .. len - 1``, ``on_epoch_end``."""
        self.on_epoch_begin()
        for index in range(len(self)):
            yield self[index]
        self.on_epoch_end()


#: Keras 2's name (Keras 3 keeps it as an alias of PyDataset).
Sequence = PyDataset
