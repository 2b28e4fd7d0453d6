"""The progress display: one tqdm bar per epoch that refreshes at a limited rate.

``verbose=1``: a bar with loss, metrics, throughput (samples/s) and ETA, refreshed at
most every ``interval`` seconds (reading the running sums is the only host-device
sync); ``verbose=2``: one line per epoch; ``verbose=0``: silent.

When stdout is not a terminal (piped to a file, a CI log, ``make demo | tee``), ``verbose=1``
prints the ``verbose=2`` line once per epoch instead of tqdm's refresh frames, which would
otherwise fill the file with carriage-return redraws. Notebooks (ipykernel's stdout)
keep the bar.
"""
from __future__ import annotations

import sys
import time
from typing import Callable, Dict, Optional


def format_logs(logs: Dict[str, float]) -> str:
    return " - ".join(f"{k}: {v:.4f}" for k, v in logs.items() if isinstance(v, float))


def stdout_is_interactive() -> bool:
    """True in a terminal or a Jupyter notebook, where a refreshing bar reads well."""
    if "ipykernel" in sys.modules:
        return True
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


class Progress:
    def __init__(self, verbose: int, epochs: int, steps: Optional[int], interval: float = 0.2):
        if verbose == 1 and not stdout_is_interactive():
            verbose = 2  # one line per epoch, not hundreds of bar frames in a log file
        self.verbose = verbose
        self.epochs = epochs
        self.steps = steps
        self.interval = interval
        self.bar = None
        self.samples = 0
        self.start = 0.0
        self.next_refresh = 0.0

    def epoch_begin(self, epoch: int) -> None:
        self.samples = 0
        self.start = time.perf_counter()
        self.next_refresh = self.start + self.interval
        if self.verbose == 1:
            from tqdm.auto import tqdm
            self.bar = tqdm(total=self.steps, desc=f"Epoch {epoch + 1}/{self.epochs}",
                            unit="step", leave=True, file=sys.stdout, dynamic_ncols=True,
                            mininterval=self.interval)

    def due(self, now: float) -> bool:
        return now >= self.next_refresh

    def update(self, step: int, samples: int, read_logs: Callable[[], Dict[str, float]],
               now: float) -> None:
        """Refresh the bar (called only when :meth:`due`)."""
        self.next_refresh = now + self.interval
        if self.bar is not None:
            logs = read_logs()
            rate = samples / max(now - self.start, 1e-9)
            self.bar.set_postfix_str(f"{format_logs(logs)} - {rate:,.0f} samples/s",
                                     refresh=False)
            self.bar.n = step
            self.bar.refresh()

    def epoch_end(self, epoch: int, step: int, samples: int, logs: Dict[str, float]) -> None:
        elapsed = time.perf_counter() - self.start
        rate = samples / max(elapsed, 1e-9)
        if self.bar is not None:
            self.bar.n = step
            self.bar.set_postfix_str(f"{format_logs(logs)} - {rate:,.0f} samples/s",
                                     refresh=False)
            self.bar.close()
            self.bar = None
        elif self.verbose == 2:
            print(f"Epoch {epoch + 1}/{self.epochs} - {elapsed:.1f}s - {format_logs(logs)} - "
                  f"{rate:,.0f} samples/s", flush=True)
