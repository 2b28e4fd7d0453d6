"""Occlusion (Zeiler and Fergus, "Visualizing and Understanding Convolutional Networks",
ECCV 2014, sec. 4.2): slide a window of ``baselines`` over the input and record how much
the target score drops; each element's attribution is the mean drop over the windows that
cover it::

    A(x)_i = mean_{w covers i} ( S_c(x) - S_c(x with window w replaced by baseline) )

Window placement and averaging follow captum's ``Occlusion`` exactly (windows start at
multiples of ``strides`` and the last ones are clipped at the border), so results match
it; here the occluded copies are evaluated ``perturbations_per_eval`` at a time in one
batch. The default is measured, not assumed: with one CPU thread (this project's shared
machine) batching does not pay (EfficientNet-Lite0 at 224: 9.8 images/s at batch 1, 8.6
at 16, 6.6 at 32: the activations fall out of cache), so it is 1 there and ``8 x
threads`` otherwise.
"""
from __future__ import annotations

import itertools
import math
from typing import Optional, Sequence, Tuple, Union

import torch

from ._common import TargetType, channel_axis, check_inputs, data_format_of, forward_scores, \
    select
from .saliency import Attribution, reusing_large_blocks

IntOrTuple = Union[int, Sequence[int]]


def _as_shape(value: IntOrTuple, rank: int, name: str) -> Tuple[int, ...]:
    t = (value,) * rank if isinstance(value, int) else tuple(value)
    if len(t) != rank or not all(isinstance(v, int) and v > 0 for v in t):
        raise ValueError(f"{name} must be {rank} positive ints, got {value!r}")
    return t


class Occlusion(Attribution):
    """``attribute(inputs, sliding_window_shapes, strides=None, baselines=0, target=None,
    perturbations_per_eval=32)``; ``Occlusion(model, data_format=None, scores="output")``
    (``scores="logits"``: the drop of the pre-softmax score, see
    :class:`~nnlab.interpret.saliency.Attribution`).

    Args of ``attribute``:
        inputs: ``(batch, ...)`` preprocessed images.
        sliding_window_shapes: the window over every non-batch axis, as captum
            (``(3, 15, 15)`` for channels-first images), or just ``(height, width)``,
            which covers all channels.
        strides: per axis, or an int (default 1); at most the window where the window is
            smaller than the input.
        baselines: the value (or a tensor broadcastable to one sample) put in the window.
        perturbations_per_eval: occluded copies per forward pass (``None``: 1 with one
            torch thread, else ``8 * torch.get_num_threads()``).

    Returns: a tensor shaped like ``inputs``.

    Raises:
        ValueError: a window larger than the input, a stride larger than its window.
    """

    def __init__(self, model, data_format: Optional[str] = None, scores: str = "output") -> None:
        super().__init__(model, scores)
        self.data_format = data_format_of(model, data_format)

    def _window(self, inputs: torch.Tensor, window: IntOrTuple, strides: IntOrTuple):
        sample = tuple(inputs.shape[1:])
        rank = len(sample)
        if not isinstance(window, int) and len(window) == 2 and rank == 3:
            axis = channel_axis(self.data_format)
            window = (sample[0], *window) if axis == 1 else (*window, sample[-1])
            if isinstance(strides, (tuple, list)) and len(strides) == 2:
                strides = (1, *strides) if axis == 1 else (*strides, 1)
        window = _as_shape(window, rank, "sliding_window_shapes")
        strides = _as_shape(1 if strides is None else strides, rank, "strides")
        if any(w > s for w, s in zip(window, sample)):
            raise ValueError(f"sliding_window_shapes {window} is larger than the input "
                             f"{sample} (per sample, {self.data_format}); use a smaller window")
        for w, s, n in zip(window, strides, sample):
            if w < n and s > w:
                raise ValueError(f"strides {strides} must not exceed sliding_window_shapes "
                                 f"{window} where the window is smaller than the input")
        counts = [math.ceil((n - w) / s) + 1 for n, w, s in zip(sample, window, strides)]
        return window, strides, counts

    @reusing_large_blocks
    def attribute(self, inputs: torch.Tensor, sliding_window_shapes: IntOrTuple = None,
                  strides: IntOrTuple = None, baselines: Union[float, torch.Tensor] = 0.0,
                  target: TargetType = None, perturbations_per_eval: Optional[int] = None):
        check_inputs(inputs)
        if sliding_window_shapes is None:
            raise ValueError("sliding_window_shapes is required, e.g. (15, 15) or (3, 15, 15)")
        if perturbations_per_eval is None:
            threads = torch.get_num_threads()
            perturbations_per_eval = 1 if threads == 1 else 8 * threads
        if not isinstance(perturbations_per_eval, int) or perturbations_per_eval < 1:
            raise ValueError(f"perturbations_per_eval must be a positive int, got "
                             f"{perturbations_per_eval!r}")
        window, strides, counts = self._window(inputs, sliding_window_shapes, strides)
        base = torch.as_tensor(baselines, dtype=inputs.dtype, device=inputs.device)
        if base.dim() > 0:
            base = base.expand(inputs.shape[1:])   # one sample's baseline
        with torch.inference_mode():
            initial, checked = forward_scores(self.model, inputs, target)   # (batch,)
            # captum's order: the first axis varies fastest
            starts = [tuple(i * s for i, s in zip(index[::-1], strides))
                      for index in itertools.product(*[range(c) for c in counts[::-1]])]
            total = torch.zeros_like(inputs)
            weight = torch.zeros(inputs.shape[1:], dtype=inputs.dtype, device=inputs.device)
            for sample in range(inputs.shape[0]):
                x = inputs[sample]
                tgt = None if checked is None else checked[sample:sample + 1]
                for i in range(0, len(starts), perturbations_per_eval):
                    group = starts[i:i + perturbations_per_eval]
                    batch = x.expand(len(group), *x.shape).clone()
                    slices = [tuple(slice(s, s + w) for s, w in zip(start, window))
                              for start in group]
                    for b, sl in enumerate(slices):
                        view = batch[b][sl]
                        view.copy_(base.expand_as(view) if base.dim() == 0 else base[sl])
                    out = self.model(batch)
                    drop = initial[sample] - select(out, None if tgt is None
                                                     else tgt.expand(len(group)))
                    for b, sl in enumerate(slices):
                        total[sample][sl] += drop[b]
                        if sample == 0:
                            weight[sl] += 1
            return total / weight
