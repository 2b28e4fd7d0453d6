"""``History``: what ``fit`` returns. ``history.history`` is Keras' dict of per-epoch lists
(``loss``, metrics, ``val_...``); ``history.plot(path)`` draws them to a PNG."""
from __future__ import annotations

from typing import Dict, List, Optional

from .callback import Callback


class History(Callback):
    """Records the logs of every epoch."""

    def __init__(self):
        super().__init__()
        self.history: Dict[str, List[float]] = {}
        self.epoch: List[int] = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            if isinstance(value, (int, float)):
                self.history.setdefault(key, []).append(float(value))

    def plot(self, path: str, keys: Optional[List[str]] = None) -> str:
        """Write one panel per quantity (train and ``val_`` on the same axes) to ``path``.

        Needs matplotlib (``pip install nnlab[plot]``). Returns ``path``.
        """
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
            from matplotlib.ticker import MaxNLocator
        except ImportError as exc:
            raise ImportError("History.plot needs matplotlib: pip install 'nnlab[plot]'") from exc
        names = keys or [k for k in self.history if not k.startswith("val_")
                         and k != "learning_rate"]
        if not names:
            raise ValueError("History.plot: nothing recorded yet (train for an epoch first)")
        fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3.5), squeeze=False)
        epochs = [e + 1 for e in self.epoch]
        for ax, name in zip(axes[0], names):
            ax.plot(epochs, self.history[name], marker="o", label=f"train {name}")
            if f"val_{name}" in self.history:
                ax.plot(epochs, self.history[f"val_{name}"], marker="s", label=f"val {name}")
            ax.set_xlabel("epoch")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_title(name)
            ax.grid(alpha=0.3)
            ax.legend()
        fig.tight_layout()
        fig.savefig(path, dpi=100)
        plt.close(fig)
        return path
