"""``FitArguments``: one ``fit`` call's arguments as a record, checked, and the data they name.

``Trainer.fit`` keeps Keras' signature and packs its arguments here; the rest of the
fit path (the distributed preparer of :mod:`nnlab.training.distributed_hook`, the
epoch loop of :mod:`nnlab.training.epoch_loop`) reads and replaces fields of this record
(``dataclasses.replace``) instead of passing a dozen positional arguments along.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Optional, Tuple

from .data_adapter import ArrayData, adapt
from .steps_per_epoch import EpochSlices

#: ``fit``'s default batch size (Keras' 32)
DEFAULT_BATCH_SIZE = 32


@dataclass
class FitArguments:
    """The arguments of ``fit`` (see :meth:`nnlab.training.trainer.Trainer.fit`).

    Construction checks what needs no model (``epochs``) and settles defaults
    (``batch_size=None`` -> 32).
    """

    x: Any = None
    y: Any = None
    batch_size: Optional[int] = None
    epochs: int = 1
    verbose: int = 1
    callbacks: Optional[list] = None
    validation_split: float = 0.0
    validation_data: Any = None
    shuffle: bool = True
    initial_epoch: int = 0
    steps_per_epoch: Optional[int] = None
    validation_batch_size: Optional[int] = None
    sample_weight: Any = None
    checkpoint_dir: Optional[str] = None
    augment: Any = None
    terminate_on_nan: bool = True
    checkpoint_mismatch: str = "error"
    distributed: bool = False
    checkpoint_every: Optional[int] = None
    #: set by the distributed preparer: ``preemption(ckpt) -> Preemption`` for this rank
    #: (``ckpt`` is None on the ranks that do not write the checkpoint)
    preemption: Optional[Callable[[Any], Any]] = None

    def __post_init__(self) -> None:
        if not isinstance(self.epochs, int) or self.epochs < 0:
            raise ValueError(f"epochs must be an int >= 0, got {self.epochs!r}")
        if self.checkpoint_every is not None:  # (a non-writing rank has no checkpoint_dir)
            _check_checkpoint_every(self.checkpoint_every,
                                    self.checkpoint_dir or self.preemption is not None)
        if self.batch_size is None:
            self.batch_size = DEFAULT_BATCH_SIZE

    @property
    def val_batch_size(self) -> int:
        """The validation batch size: ``validation_batch_size``, else ``batch_size``."""
        return self.validation_batch_size or self.batch_size

    def datasets(self) -> Tuple[Any, Any]:
        """``(train, val)`` adapters (:mod:`nnlab.training.data_adapter`) for this call;
        ``val`` is ``None`` without ``validation_data``/``validation_split``. A split
        takes the last ``validation_split`` of in-memory arrays (Keras' rule)."""
        data = adapt(self.x, self.y, self.sample_weight, self.batch_size, self.shuffle,
                     self.steps_per_epoch)
        val = None
        if self.validation_data is not None:
            given = self.validation_data
            if isinstance(given, (tuple, list)) and len(given) in (2, 3):
                weights = given[2] if len(given) == 3 else None  # (x, y, sample_weight)
                val = adapt(given[0], given[1], weights, batch_size=self.val_batch_size,
                            what="validation x")
            else:
                val = adapt(given, batch_size=self.val_batch_size)
        elif self.validation_split:
            if not isinstance(data, ArrayData):
                raise ValueError("validation_split needs in-memory arrays; pass "
                                 "validation_data for a Dataset or generator")
            data, val = data.split(self.validation_split)
        if self.steps_per_epoch is not None and isinstance(data, ArrayData):
            data = EpochSlices(data, self.steps_per_epoch)  # Keras 3's walk over the passes
        return data, val

    def targets_by_name(self, order: Callable[[Any, str], Any]) -> "FitArguments":
        """These arguments with ``y`` (and the validation targets) put in the model's
        output order by ``order(y, what)`` (a dict of targets is matched by name)."""
        val = self.validation_data
        if isinstance(val, (tuple, list)) and len(val) in (2, 3):
            val = (val[0], order(val[1], "validation_data's y")) + tuple(val[2:])
        return replace(self, y=order(self.y, "y"), validation_data=val)


def _check_checkpoint_every(every: Any, checkpoint_dir: Any) -> None:
    """``checkpoint_every`` is a number of training steps (an int >= 1) and needs a
    ``checkpoint_dir`` to write to."""
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ValueError(f"checkpoint_every must be a number of training steps, an int >= 1 "
                         f"(or None: a checkpoint at every epoch end only), got {every!r}")
    if not checkpoint_dir:
        raise ValueError(f"checkpoint_every={every} needs checkpoint_dir: pass "
                         f"fit(..., checkpoint_dir='ckpt', checkpoint_every={every})")
