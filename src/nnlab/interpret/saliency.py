"""Vanilla gradient saliency (Simonyan, Vedaldi and Zisserman, "Deep Inside Convolutional
Networks", ICLR 2014 workshop, sec. 3): the gradient of the class score with respect to
the input pixels, ``|d S_c / d x|``; the paper's map is its maximum over colour channels
(:func:`saliency_map`).

Contract as captum's ``Saliency``: ``Saliency(model).attribute(inputs, target=...)``
returns a tensor shaped like ``inputs``.
"""
from __future__ import annotations

import functools
from typing import Optional

import torch
from torch import nn

from ..utils.allocator import cpu_allocator_tuning, reuse_large_blocks
from ..utils.frozen import frozen_parameters
from ._common import TargetType, channel_axis, check_inputs, data_format_of, forward_scores
from .pre_softmax import check_scores, scored_model


class Attribution:
    """Base of the attribution methods: holds the model (any ``nn.Module``).

    ``scores="output"`` (default, as captum) explains what the model returns: on a model
    ending in softmax, probabilities. ``scores="logits"`` explains the scores before its
    final softmax (see :mod:`nnlab.interpret.pre_softmax`); a model that does not end in
    a softmax is then refused at the first call.
    """

    def __init__(self, model: nn.Module, scores: str = "output") -> None:
        if not isinstance(model, nn.Module) and not callable(model):
            raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
        self.network = model
        cpu_allocator_tuning(model)  # as fit/predict: large activations reused, not re-faulted
        self.scores = check_scores(scores)
        self.model = scored_model(model, scores)

    def attribute(self, inputs: torch.Tensor, target: TargetType = None, **options):
        raise NotImplementedError


def reusing_large_blocks(attribute):
    """Decorator of every ``attribute`` method: the call runs in
    :func:`~nnlab.utils.allocator.reuse_large_blocks` for the attribution's network (on
    the CPU, activations above 32 MiB are reused between passes, not page-faulted in)."""
    @functools.wraps(attribute)
    def run(self, *args, **kwargs):
        with reuse_large_blocks(self.network):
            return attribute(self, *args, **kwargs)
    return run


def input_gradients(model: nn.Module, inputs: torch.Tensor, target: TargetType):
    """``d S_target / d inputs`` for a batch: the scores are summed over the batch (each
    sample's score depends only on its own input), one backward pass."""
    x = inputs.detach().clone().requires_grad_(True)
    # frozen_parameters: autograd follows only the input's path (same gradient, faster)
    with torch.enable_grad(), frozen_parameters(model):
        scores, checked = forward_scores(model, x, target)
        (grad,) = torch.autograd.grad(scores.sum(), x)
    return grad, checked


class Saliency(Attribution):
    """``|d S_c / d x|`` (or the signed gradient with ``abs=False``).

    Args of ``attribute``:
        inputs: ``(batch, ...)`` preprocessed float images in the model's layout.
        target: class index (int, one per sample, or ``None`` when the model returns
            one value per sample).
        abs: return the absolute gradient (captum's default, and the paper's).

    Returns: a tensor shaped like ``inputs``.
    """

    @reusing_large_blocks
    def attribute(self, inputs: torch.Tensor, target: TargetType = None, abs: bool = True):
        check_inputs(inputs)
        grad, _ = input_gradients(self.model, inputs, target)
        return grad.abs() if abs else grad


def saliency_map(attributions: torch.Tensor, model: Optional[nn.Module] = None,
                 data_format: Optional[str] = None) -> torch.Tensor:
    """The paper's saliency map: ``max`` over the channel axis of ``|attributions|``.
    The layout is ``data_format``, else ``model``'s (channels_first for a plain
    ``nn.Module``), else the global one.

    ``(batch, H, W, C)`` (channels_last) or ``(batch, C, H, W)`` -> ``(batch, H, W)``.
    """
    if model is None:
        from .. import config
        fmt = config.normalize_data_format(data_format)   # default: the global format
    else:
        fmt = data_format_of(model, data_format)
    return attributions.abs().amax(dim=channel_axis(fmt))
