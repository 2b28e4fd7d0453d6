"""``keras.random`` on torch: ``normal``, ``uniform``, ``randint``, ``truncated_normal``,
``dropout``, ``shuffle``, ``categorical`` and ``SeedGenerator``.

``seed`` is, as in Keras 3: ``None`` (torch's global generator: reproducible after
:func:`nnlab.set_seed`), an int (the same int gives the same numbers every call), or a
:class:`SeedGenerator` (a stateful seed: each call draws fresh, reproducible numbers).
The exact numbers differ from Keras' (different generators); distributions are the same.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import torch

from .dtypes import to_torch_dtype
from .ops import convert_to_tensor

__all__ = ["SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma", "normal",
           "randint", "shuffle", "truncated_normal", "uniform"]


class SeedGenerator:
    """A stateful seed (``keras.random.SeedGenerator(seed=1337)``): every random call that
    takes it advances its state, so repeated calls differ but a run is reproducible.

    Attribute: ``state``, the torch CPU generator. ``next()`` returns a fresh int seed.
    """

    def __init__(self, seed: Optional[int] = None, name: Optional[str] = None, **kwargs: Any):
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise TypeError(f"SeedGenerator: seed must be an int or None, got {seed!r}")
        if seed is None:
            seed = int(torch.randint(0, 2**62, (1,)))
        self.name = name
        self.initial_seed = seed
        self.state = torch.Generator().manual_seed(seed)

    def next(self) -> int:
        return int(torch.randint(0, 2**62, (1,), generator=self.state))

    def get_config(self) -> dict:
        return {"seed": self.initial_seed}


Seed = Union[None, int, SeedGenerator]


def _generator(seed: Seed) -> Optional[torch.Generator]:
    if seed is None:
        return None
    if isinstance(seed, SeedGenerator):
        return seed.state
    if isinstance(seed, int) and not isinstance(seed, bool):
        return torch.Generator().manual_seed(seed)
    raise TypeError(f"seed must be None, an int or a nnlab.random.SeedGenerator, got {seed!r}")


def _shape(shape: Any) -> tuple:
    if isinstance(shape, int):
        return (shape,)
    try:
        return tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise ValueError(f"shape must be a tuple of ints, got {shape!r}") from None


def _float(dtype: Any) -> torch.dtype:
    dt = to_torch_dtype(dtype or "float32")
    if not dt.is_floating_point:
        raise ValueError(f"dtype must be a float dtype, got {dtype!r}")
    return dt


def normal(shape: Sequence[int], mean: float = 0.0, stddev: float = 1.0, dtype: Any = None,
           seed: Seed = None) -> torch.Tensor:
    """Samples from N(mean, stddev^2), tensor of ``shape``."""
    out = torch.randn(_shape(shape), generator=_generator(seed), dtype=_float(dtype))
    return out * stddev + mean


def uniform(shape: Sequence[int], minval: float = 0.0, maxval: float = 1.0, dtype: Any = None,
            seed: Seed = None) -> torch.Tensor:
    """Samples from U[minval, maxval), tensor of ``shape``."""
    out = torch.rand(_shape(shape), generator=_generator(seed), dtype=_float(dtype))
    return out * (maxval - minval) + minval


def randint(shape: Sequence[int], minval: int, maxval: int, dtype: Any = "int32",
            seed: Seed = None) -> torch.Tensor:
    """Integers uniform in ``[minval, maxval)``, tensor of ``shape`` (int32 by default)."""
    if maxval <= minval:
        raise ValueError(f"randint: maxval must be > minval, got minval={minval}, "
                         f"maxval={maxval}")
    out = torch.randint(int(minval), int(maxval), _shape(shape), generator=_generator(seed))
    return out.to(to_torch_dtype(dtype))


def truncated_normal(shape: Sequence[int], mean: float = 0.0, stddev: float = 1.0,
                     dtype: Any = None, seed: Seed = None) -> torch.Tensor:
    """N(mean, stddev^2) re-drawn outside ``mean +- 2 stddev`` (Keras' truncation), via
    ``torch.nn.init.trunc_normal_`` (inverse-CDF sampling: exact, no loop)."""
    out = torch.empty(_shape(shape), dtype=_float(dtype))
    torch.nn.init.trunc_normal_(out, mean, stddev, mean - 2 * stddev, mean + 2 * stddev,
                                generator=_generator(seed))
    return out


def dropout(inputs: Any, rate: float, noise_shape: Optional[Sequence[Optional[int]]] = None,
            seed: Seed = None) -> torch.Tensor:
    """Zero each value with probability ``rate``, scale the rest by ``1 / (1 - rate)``
    (always active: this is the op, not the layer). ``noise_shape`` broadcasts the mask."""
    x = convert_to_tensor(inputs)
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate!r}")
    shape = x.shape if noise_shape is None else \
        tuple(x.shape[i] if d is None else d for i, d in enumerate(noise_shape))
    keep = torch.rand(shape, generator=_generator(seed)) >= rate
    return x * keep.to(x.device, x.dtype) / (1 - rate)


def shuffle(x: Any, axis: int = 0, seed: Seed = None) -> torch.Tensor:
    """``x`` with its entries permuted along ``axis``."""
    x = convert_to_tensor(x)
    perm = torch.randperm(x.shape[axis], generator=_generator(seed)).to(x.device)
    return x.index_select(axis, perm)


def categorical(logits: Any, num_samples: int, dtype: Any = "int32",
                seed: Seed = None) -> torch.Tensor:
    """Class indices drawn from ``softmax(logits)``: ``(batch, classes)`` ->
    ``(batch, num_samples)``."""
    logits = convert_to_tensor(logits, dtype="float32")
    if logits.ndim != 2:
        raise ValueError(f"categorical: logits must be (batch, num_classes), got shape "
                         f"{tuple(logits.shape)}")
    probs = torch.softmax(logits, dim=-1)
    out = torch.multinomial(probs, num_samples, replacement=True, generator=_generator(seed))
    return out.to(to_torch_dtype(dtype))


def gamma(shape: Sequence[int], alpha: float, dtype: Any = None, seed: Seed = None
          ) -> torch.Tensor:
    """Gamma(alpha, 1) samples (``torch._standard_gamma``, seeded via the global generator
    forked from ``seed``)."""
    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(int(torch.randint(0, 2**62, (1,), generator=_generator(seed))))
        return torch._standard_gamma(torch.full(_shape(shape), float(alpha),
                                                dtype=_float(dtype)))


def beta(shape: Sequence[int], alpha: float, beta: float, dtype: Any = None,
         seed: Seed = None) -> torch.Tensor:
    """Beta(alpha, beta) as ``X / (X + Y)`` with ``X ~ Gamma(alpha)``, ``Y ~ Gamma(beta)``."""
    gen = SeedGenerator(None if seed is None else int(
        torch.randint(0, 2**62, (1,), generator=_generator(seed))))
    x, y = gamma(shape, alpha, dtype, gen), gamma(shape, beta, dtype, gen)
    return x / (x + y)


def binomial(shape: Sequence[int], counts: float, probabilities: float, dtype: Any = None,
             seed: Seed = None) -> torch.Tensor:
    """Binomial(counts, probabilities) samples (float32 by default, as Keras)."""
    dist_counts = torch.full(_shape(shape), float(counts))
    probs = torch.full(_shape(shape), float(probabilities))
    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(int(torch.randint(0, 2**62, (1,), generator=_generator(seed))))
        out = torch.binomial(dist_counts, probs)
    return out.to(_float(dtype))


