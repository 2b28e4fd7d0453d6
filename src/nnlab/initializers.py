"""Weight initialisers with Keras names, each a call into ``torch.nn.init``.

An initialiser is a callable ``init(tensor) -> None`` that fills a tensor in place.
Fans follow torch's convention for weights shaped ``(out, in, *kernel)``:
fan_in = in * prod(kernel), fan_out = out * prod(kernel) (the same numbers
Keras computes from its ``(*kernel, in, out)`` layout).

- ``zeros`` / ``ones``
- ``random_normal``: N(0, 0.05^2); ``random_uniform``: U(-0.05, 0.05)
  (the lecture's "small random numbers")
- ``glorot_uniform``: U(-l, l), l = sqrt(6 / (fan_in + fan_out))  (Xavier)
- ``glorot_normal``: truncated N(0, 2 / (fan_in + fan_out))
- ``he_uniform``: U(-l, l), l = sqrt(6 / fan_in)
- ``he_normal``: truncated N(0, 2 / fan_in)  (Kaiming, for ReLU nets)
- ``lecun_normal`` / ``lecun_uniform``, ``orthogonal``
- ``variance_scaling`` (Keras' ``VarianceScaling``: scale / fan, three distributions)
"""
from __future__ import annotations

import math
from typing import Any, Callable, Dict, Union

import torch
from torch import nn

from .registry import Registry
from .utils.naming import to_snake_case

INITIALIZERS = Registry("initializer")


class Initializer:
    """Base class: subclasses implement ``__call__(tensor)`` and keep their args in ``config``."""

    name = "initializer"

    def __init__(self, **config: Any):
        self.config = config

    def __call__(self, tensor: torch.Tensor) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_config(self) -> Dict[str, Any]:
        return dict(self.config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config})"


def _fans(tensor: torch.Tensor):
    if tensor.dim() < 2:
        n = tensor.numel()
        return n, n
    return nn.init._calculate_fan_in_and_fan_out(tensor)


def _truncated_normal(tensor: torch.Tensor, std: float, mean: float = 0.0) -> None:
    # Keras' truncated normal cuts at two standard deviations; torch's trunc_normal_ does it.
    with torch.no_grad():
        nn.init.trunc_normal_(tensor, mean=mean, std=std, a=mean - 2 * std, b=mean + 2 * std)


@INITIALIZERS.add("zeros", "zero")
class Zeros(Initializer):
    def __call__(self, tensor):
        nn.init.zeros_(tensor)


@INITIALIZERS.add("ones", "one")
class Ones(Initializer):
    def __call__(self, tensor):
        nn.init.ones_(tensor)


@INITIALIZERS.add("constant")
class Constant(Initializer):
    def __init__(self, value: float = 0.0):
        super().__init__(value=value)

    def __call__(self, tensor):
        nn.init.constant_(tensor, self.config["value"])


@INITIALIZERS.add("random_normal", "normal")
class RandomNormal(Initializer):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05):
        super().__init__(mean=mean, stddev=stddev)

    def __call__(self, tensor):
        nn.init.normal_(tensor, self.config["mean"], self.config["stddev"])


@INITIALIZERS.add("random_uniform", "uniform")
class RandomUniform(Initializer):
    def __init__(self, minval: float = -0.05, maxval: float = 0.05):
        super().__init__(minval=minval, maxval=maxval)

    def __call__(self, tensor):
        nn.init.uniform_(tensor, self.config["minval"], self.config["maxval"])


@INITIALIZERS.add("truncated_normal")
class TruncatedNormal(Initializer):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05):
        super().__init__(mean=mean, stddev=stddev)

    def __call__(self, tensor):
        _truncated_normal(tensor, self.config["stddev"], self.config["mean"])


@INITIALIZERS.add("glorot_uniform", "xavier_uniform")
class GlorotUniform(Initializer):
    def __call__(self, tensor):
        fan_in, fan_out = _fans(tensor)  # 1-D tensors: fan_in = fan_out = n, as Keras
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        nn.init.uniform_(tensor, -limit, limit)


@INITIALIZERS.add("glorot_normal", "xavier_normal")
class GlorotNormal(Initializer):
    def __call__(self, tensor):
        fan_in, fan_out = _fans(tensor)
        # 0.8796... corrects the std of a normal truncated at 2 sigma (as Keras does).
        _truncated_normal(tensor, math.sqrt(2.0 / (fan_in + fan_out)) / 0.87962566103423978)


@INITIALIZERS.add("he_uniform", "kaiming_uniform")
class HeUniform(Initializer):
    def __call__(self, tensor):
        fan_in, _ = _fans(tensor)
        limit = math.sqrt(6.0 / fan_in)
        nn.init.uniform_(tensor, -limit, limit)


@INITIALIZERS.add("he_normal", "kaiming_normal")
class HeNormal(Initializer):
    def __call__(self, tensor):
        fan_in, _ = _fans(tensor)
        _truncated_normal(tensor, math.sqrt(2.0 / fan_in) / 0.87962566103423978)


@INITIALIZERS.add("lecun_uniform")
class LecunUniform(Initializer):
    def __call__(self, tensor):
        fan_in, _ = _fans(tensor)
        limit = math.sqrt(3.0 / fan_in)
        nn.init.uniform_(tensor, -limit, limit)


@INITIALIZERS.add("lecun_normal")
class LecunNormal(Initializer):
    def __call__(self, tensor):
        fan_in, _ = _fans(tensor)
        _truncated_normal(tensor, math.sqrt(1.0 / fan_in) / 0.87962566103423978)


@INITIALIZERS.add("variance_scaling")
class VarianceScaling(Initializer):
    """Keras' ``VarianceScaling``: std (or limit) from ``scale / n`` where ``n`` is
    ``fan_in``, ``fan_out`` or their mean (``mode``); ``distribution`` is
    ``"truncated_normal"`` (std corrected for the cut at 2 sigma), ``"untruncated_normal"``
    or ``"uniform"`` (``U(-sqrt(3 * scale / n), +sqrt(3 * scale / n))``)."""

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed: Any = None):
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: mode must be 'fan_in', 'fan_out' or "
                             f"'fan_avg', got {mode!r}")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"VarianceScaling: distribution must be 'truncated_normal', "
                             f"'untruncated_normal' or 'uniform', got {distribution!r}")
        super().__init__(scale=scale, mode=mode, distribution=distribution, seed=seed)

    def __call__(self, tensor):
        fan_in, fan_out = _fans(tensor)
        n = {"fan_in": fan_in, "fan_out": fan_out,
             "fan_avg": (fan_in + fan_out) / 2.0}[self.config["mode"]]
        variance = self.config["scale"] / max(1.0, n)
        if self.config["distribution"] == "uniform":
            limit = math.sqrt(3.0 * variance)
            nn.init.uniform_(tensor, -limit, limit)
        elif self.config["distribution"] == "untruncated_normal":
            nn.init.normal_(tensor, 0.0, math.sqrt(variance))
        else:
            _truncated_normal(tensor, math.sqrt(variance) / 0.87962566103423978)


@INITIALIZERS.add("orthogonal")
class Orthogonal(Initializer):
    def __init__(self, gain: float = 1.0):
        super().__init__(gain=gain)

    def __call__(self, tensor):
        if tensor.device.type == "meta":
            return
        nn.init.orthogonal_(tensor, gain=self.config["gain"])


def get(identifier: Union[str, Initializer, Callable, Dict]) -> Callable[[torch.Tensor], None]:
    """Resolve a name, a config dict ``{"class_name", "config"}`` or a callable to an initialiser."""
    if isinstance(identifier, Initializer) or (callable(identifier) and not isinstance(identifier, type)):
        return identifier
    if isinstance(identifier, dict):
        name = identifier["class_name"]  # nnlab's names, or Keras' class names
        name = name if name in INITIALIZERS else to_snake_case(name)
        return INITIALIZERS.get(name)(**identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    return INITIALIZERS.get(identifier)()


def serialize(init: Any) -> Any:
    """Config form of an initialiser: a name, or ``{"class_name", "config"}``."""
    if isinstance(init, str) or init is None:
        return init
    if isinstance(init, Initializer):
        for name, cls in INITIALIZERS.items():
            if type(init) is cls:
                return {"class_name": name, "config": init.get_config()}
    raise ValueError(f"Initializer {init!r} cannot be saved in a config; pass a name or an "
                     f"nnlab.initializers class instead.")


def fill(tensor: torch.Tensor, init: Callable[[torch.Tensor], None]) -> torch.Tensor:
    """Apply ``init`` to ``tensor`` without recording gradients; skip on the meta device."""
    if tensor.device.type != "meta":
        with torch.no_grad():
            init(tensor)
    return tensor
