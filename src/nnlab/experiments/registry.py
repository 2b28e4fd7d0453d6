"""The study registry: ``register_experiment`` (open to later issues), ``get_experiment``, ``names``.

A study is an :class:`Experiment`: a claim (one sentence + the lecture it comes from), the
arms compared, the data, a budget per mode (``quick`` for tests, ``full`` for the docs),
default seeds, what is measured, and the claimed direction as comparisons between arms.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

# Built-in studies, imported on first use of the registry (keeps ``import nnlab`` light).
_BUILTIN = (
    "permuted_pixels", "init_statistics", "vanishing_gradients", "activations", "optimizers",
    "learning_rate", "one_by_one", "batchnorm", "dropout", "weight_decay", "svm_vs_softmax",
    "knn_vs_linear", "early_stopping", "batch_size", "ensembles", "augmentation",
    "rnn_vs_lstm", "gradient_clipping", "resnet_vs_plain", "transfer_vs_scratch",
    "label_smoothing",
)


@dataclass(frozen=True)
class Comparison:
    """Claimed direction: ``mean(better) - mean(worse)`` of ``metric`` is positive
    (``higher_is_better``) or negative; ``min_effect`` is the smallest difference that counts
    as an effect at all (below it the study says "inconclusive", whatever the seeds say).

    With ``equal_within=tol`` the claim is instead "the two arms are equal": it held when
    ``|d| + 2 se <= tol`` and did not hold when ``|d| - 2 se > tol``. With ``paired=True``
    seed ``i`` of both arms saw the same data subset, and ``se`` is that of the per-seed
    differences (``sd(d_i) / sqrt(n)``), which removes the subset-to-subset noise."""
    better: str
    worse: str
    metric: str
    higher_is_better: bool = True
    min_effect: float = 0.0
    equal_within: Optional[float] = None
    paired: bool = False


@dataclass
class Experiment:
    """One lecture claim as a controlled study.

    ``run(arm, seed, budget) -> {"curve": [float, ...], "metrics": {name: float}}`` trains or
    measures one arm for one seed; ``budgets`` maps ``"quick"``/``"full"`` to a dict passed
    as ``budget``. ``curve_label`` names the x/y of the curves the PNG plots.
    """
    name: str
    claim: str
    lecture: str
    arms: Sequence[str]
    data: str
    measures: str
    run: Callable[[str, int, Dict[str, Any]], Dict[str, Any]]
    comparisons: Sequence[Comparison]
    budgets: Dict[str, Dict[str, Any]] = field(default_factory=lambda: {"quick": {}, "full": {}})
    seeds: Dict[str, int] = field(default_factory=lambda: {"quick": 3, "full": 3})
    curve_label: Tuple[str, str] = ("epoch", "dev accuracy")
    log_y: bool = False

    def __post_init__(self):
        if not self.name or any(c.isspace() for c in self.name):
            raise ValueError(f"experiment name must be a non-empty word, got {self.name!r}")
        for comp in self.comparisons:
            for arm in (comp.better, comp.worse):
                if arm not in self.arms:
                    raise ValueError(f"experiment {self.name!r}: comparison names arm {arm!r}, "
                                     f"not one of its arms {list(self.arms)}")
        for mode in ("quick", "full"):
            if mode not in self.budgets:
                raise ValueError(f"experiment {self.name!r}: budgets needs a {mode!r} entry")


_REGISTRY: Dict[str, Experiment] = {}
_loaded = False


def register_experiment(experiment: Experiment, replace: bool = False) -> Experiment:
    """Add a study under ``experiment.name`` (an error if taken, unless ``replace``)."""
    if not isinstance(experiment, Experiment):
        raise TypeError(f"register_experiment expects an Experiment, got "
                        f"{type(experiment).__name__}")
    if experiment.name in _REGISTRY and not replace:
        raise ValueError(f"an experiment named {experiment.name!r} is already registered")
    _REGISTRY[experiment.name] = experiment
    return experiment


def _load_builtin() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for mod in _BUILTIN:
            importlib.import_module(f"{__package__}.studies.{mod}")


def names() -> List[str]:
    """Sorted names of all registered studies."""
    _load_builtin()
    return sorted(_REGISTRY)


def get_experiment(name: str) -> Experiment:
    """The study called ``name``; an unknown name raises ``KeyError`` listing the known ones."""
    _load_builtin()
    if name not in _REGISTRY:
        raise KeyError(f"unknown experiment {name!r}; known experiments: {', '.join(names())}")
    return _REGISTRY[name]
