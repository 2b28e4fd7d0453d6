"""``TensorBoard``: write the epoch logs as TensorBoard scalars."""
from __future__ import annotations

from .callback import Callback


class TensorBoard(Callback):
    """Write epoch logs as TensorBoard scalars to ``log_dir`` (needs the ``tensorboard``
    package: ``pip install tensorboard``)."""

    def __init__(self, log_dir: str = "logs"):
        super().__init__()
        self.log_dir = log_dir
        self.writer = None

    def on_train_begin(self, logs=None):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as exc:
            raise ImportError("TensorBoard needs the tensorboard package: "
                              "pip install tensorboard") from exc
        self.writer = SummaryWriter(self.log_dir)

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            if isinstance(value, (int, float)):
                self.writer.add_scalar(key, value, epoch)

    def on_train_end(self, logs=None):
        if self.writer is not None:
            self.writer.close()
