"""FractalNet: Larsson, Maire and Shakhnarovich, "FractalNet: Ultra-Deep Neural Networks
without Residuals", ICLR 2017 (Fig. 1, sec. 3 and 4).

A fractal block is defined by the expansion rule (eq. 1-2)::

    f_1(z) = conv(z)
    f_{C+1}(z) = join(f_C(f_C(z)), conv(z))

so ``C`` columns hold ``1, 2, 4, ..., 2^(C-1)`` conv units (conv -> dropout -> BN -> ReLU)
and every join is the element-wise mean of its inputs (consecutive joins are merged into
one, as Fig. 1 draws them). No signal passes unchanged: there are no residuals. The CIFAR
network (sec. 4) stacks ``B = 5`` blocks with 64, 128, 256, 512, 512 filters, a 2x2 max
pool after each, so ``B * 2^(C-1)`` conv layers: C = 3 gives FractalNet-20, C = 4
FractalNet-40.

Regularisation: local drop-path at every join in training (:class:`DropPathJoin`, 15%
per input, at least one input kept), all paths averaged at test; dropout per block
(0, 0.1, 0.2, 0.3, 0.4). Global drop-path (one column for the whole network) is not
implemented.

Parameters (32x32x3, 10 classes, C = 3): 33,734,922 trainable -- 4.9M fewer than the
38.6M the paper's Table 1 lists for its 20-layer model; the paper gives no further layer
detail to reconcile the two.

Initialisation: Glorot (Xavier) uniform, the filler of the authors' Caffe implementation.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from ..layers import BatchNormalization, Conv2D, Dropout, MaxPooling2D, ReLU
from .common import DropPathJoin, check_args, classifier, finish, model_input, pool_features
from .conv_units import channel_axis
from .registry import register_model


# ------------------------------------------------------------------------- blocks
def _conv_unit(x, filters: int, dropout: float, name: str):
    """3x3 conv -> (dropout) -> BN -> ReLU."""
    x = Conv2D(filters, 3, padding="same", kernel_initializer="glorot_uniform", name=name)(x)
    if dropout > 0:
        x = Dropout(dropout, name=f"{name}_dropout")(x)
    x = BatchNormalization(axis=channel_axis(), momentum=0.9, epsilon=1e-5,
                           name=f"{name}_bn")(x)
    return ReLU(name=f"{name}_relu")(x)


def fractal_block(x, filters: int, columns: int, name: str, drop_path: float = 0.15,
                  dropout: float = 0.0):
    """One fractal block of ``columns`` columns; output ``(b, H, W, filters)`` (the final
    join, before pooling). Convs are named ``{name}_col{c}_conv{i}``, column 1 the
    shallowest (one conv), column ``columns`` the deepest (``2^(columns-1)`` convs)."""
    if not isinstance(columns, int) or columns < 1:
        raise ValueError(f"fractal_block: columns must be a positive int, got {columns!r}")
    counts: Dict[int, int] = {}
    joins = [0]

    def join(tensors: List[Any]):
        if len(tensors) == 1:
            return tensors[0]
        joins[0] += 1
        return DropPathJoin(drop_path, name=f"{name}_join{joins[0]}")(tensors)

    def expand(z, c: int) -> List[Any]:
        """f_c(z) before its final join: one tensor per column, deepest first."""
        column = columns - c + 1
        counts[column] = counts.get(column, 0) + 1
        shallow = _conv_unit(z, filters, dropout, f"{name}_col{column}_conv{counts[column]}")
        if c == 1:
            return [shallow]
        deep = expand(join(expand(z, c - 1)), c - 1)
        return deep + [shallow]

    return join(expand(x, columns))


# ------------------------------------------------------------------------- builder
@register_model()
def fractalnet(include_top: bool = True, num_classes: int = 10,
               input_shape: Optional[Sequence[int]] = None, weights: Any = None,
               pooling: Optional[str] = None, classifier_activation: Any = "softmax",
               columns: int = 3, filters: Sequence[int] = (64, 128, 256, 512, 512),
               drop_path: float = 0.15, dropout: Optional[Sequence[float]] = (0.0, 0.1, 0.2,
                                                                              0.3, 0.4)):
    """FractalNet for CIFAR (default input ``(32, 32, 3)``, 10 classes, C = 3: 20 layers).

    Args:
        columns: ``C``; the deepest column has ``2^(C-1)`` conv layers per block.
        filters: one width per block (``len(filters)`` blocks, each halving the size).
        drop_path: local drop-path probability at each join (0 disables it).
        dropout: one dropout rate per block, or ``None`` for none.
        others: as every zoo builder; ``include_top=False`` ends after the last pool.
    """
    shape = check_args("fractalnet", include_top, num_classes, pooling, weights, input_shape,
                       (32, 32))
    rates = tuple(dropout) if dropout is not None else (0.0,) * len(filters)
    if len(rates) != len(filters):
        raise ValueError(f"fractalnet: dropout needs one rate per block ({len(filters)}), "
                         f"got {dropout!r}")
    inputs = model_input(shape)                                       # N x 32 x 32 x 3
    x = inputs
    for b, (width, rate) in enumerate(zip(filters, rates), start=1):
        x = fractal_block(x, width, columns, f"block{b}", drop_path, rate)
        x = MaxPooling2D(2, strides=2, name=f"block{b}_pool")(x)     # 16, 8, 4, 2, 1 px
    if include_top:                                                   # N x 1 x 1 x 512
        x = classifier(x, num_classes, classifier_activation)
    else:
        x = pool_features(x, pooling)
    return finish(inputs, x, f"fractalnet{len(filters) * 2 ** (columns - 1)}", weights)
