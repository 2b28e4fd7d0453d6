"""``TorchModule``: any ``torch.nn.Module`` used as an nnlab layer.

Its output shape is inferred on the meta device. Modules whose layout matters
(``nn.Conv*``, pooling, batch/instance norm, ``nn.Upsample`` ...) expect torch's
channels-first tensors; in channels_last mode the wrapper permutes their input to
channels-first and their output back (zero-copy views), so ``nn.Conv2d(1, 32, 3)``
placed in a channels_last Sequential works as a PyTorch user expects.
"""
from __future__ import annotations

from typing import Any, Optional

from torch import nn

from ... import config
from ...utils.naming import to_snake_case, unique_name
from .layer import Layer

_CHANNELS_FIRST_TYPES = (
    nn.modules.conv._ConvNd, nn.modules.pooling._MaxPoolNd, nn.modules.pooling._AvgPoolNd,
    nn.modules.pooling._AdaptiveAvgPoolNd, nn.modules.pooling._AdaptiveMaxPoolNd,
    nn.modules.batchnorm._BatchNorm, nn.modules.instancenorm._InstanceNorm, nn.GroupNorm,
    nn.Upsample, nn.Dropout2d, nn.Dropout3d, nn.LocalResponseNorm,
)


class TorchModule(Layer):
    """Wrap ``module`` as a layer.

    Args:
        module: any ``torch.nn.Module`` taking one tensor.
        channels_first: whether ``module`` expects channels-first tensors. ``None``
            decides from its type (convolutions, pooling and norms do).
    """

    def __init__(self, module: nn.Module, channels_first: Optional[bool] = None, **kwargs: Any):
        kwargs.setdefault("name", unique_name(to_snake_case(type(module).__name__)))
        super().__init__(**kwargs)
        self.module = module
        if channels_first is None:
            channels_first = isinstance(module, _CHANNELS_FIRST_TYPES)
        self.channels_first = channels_first
        self.built = True

    def get_config(self):
        from ...errors import ConfigError
        raise ConfigError(
            f"Layer {self.name!r} wraps a plain torch module ({type(self.module).__name__}) "
            f"whose architecture nnlab cannot write as JSON. Use model.save_weights(path) "
            f"and rebuild the model in code, or write it as an nnlab Layer subclass.")

    def _permute(self, x, to_first: bool):
        if not self.channels_first or config.image_data_format() == "channels_first" \
                or x.dim() < 3:
            return x
        n = x.dim()
        order = (0, n - 1, *range(1, n - 1)) if to_first else (0, *range(2, n), 1)
        return x.permute(order)

    def call(self, inputs):
        return self._permute(self.module(self._permute(inputs, True)), False)

    def extra_repr(self) -> str:
        return f"name={self.name!r}, channels_first={self.channels_first}"


def call_in_mode(module: nn.Module, x: Any, training: Optional[bool]) -> Any:
    """``module(x)`` with Keras' ``training`` flag for an nnlab layer; a plain torch
    module (whose ``forward`` takes no ``training=``) runs in train/eval mode for the
    call instead, its own mode restored after (``training=None``: as it is)."""
    if isinstance(module, Layer):
        return module(x, training=training)
    if training is None:
        return module(x)
    was = module.training
    module.train(bool(training))
    try:
        return module(x)
    finally:
        module.train(was)
