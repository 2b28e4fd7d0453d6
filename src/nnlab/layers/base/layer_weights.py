"""The weights half of :class:`~nnlab.layers.base.layer.Layer` (Keras' weights API).

``add_weight`` (Keras 3's, Keras 2's and nnlab's signatures), ``weights`` /
``trainable_weights`` / ``non_trainable_weights`` (parameters, then the persistent
buffers that are weights: batch norm's statistics, Normalization's count; a pruning
mask is part of the weight it masks), ``trainable``, ``count_params``,
``get_weights``/``set_weights`` in Keras' layouts (:mod:`.keras_layout`), and the
regularisation penalties (``losses``, ``regularization_loss``).
"""
from __future__ import annotations

from typing import Any, Sequence

import torch

from ... import initializers as _initializers
from ... import regularizers as _regularizers
from . import weight_args
from .derived_weights import current_weight
from .keras_layout import get_weights, set_weights
from .meta import weight_device
from .pruned_weights import is_pruned_weight
from .variable import Variable


class LayerWeights:
    """Mixed into ``Layer`` (a ``torch.nn.Module``): its weights, Keras' way."""

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for p in self.parameters():
            p.requires_grad_(bool(value))
        for m in self.modules():
            if isinstance(m, LayerWeights):
                m._trainable = bool(value)

    def add_weight(self, *args: Any, **kwargs: Any) -> torch.Tensor:
        """Create a weight: Keras 3's ``add_weight(shape=..., initializer=...,
        trainable=..., name=...)`` / ``add_weight((3, 2))``, Keras 2's keywords or nnlab's
        ``add_weight(name, shape, initializer, regularizer, trainable)``
        (:mod:`.weight_args`). Trainable weights are ``nn.Parameter``; non-trainable state
        (batch norm's moving statistics) is a persistent buffer, counted as non-trainable.
        """
        spec = weight_args.resolve(self.name, args, kwargs)
        name = spec.name
        if name is None:  # renamed after the attribute it is assigned to (__setattr__)
            name = weight_args.automatic_name(self)
            self.__dict__.setdefault("_automatic_weights", set()).add(name)
        tensor = torch.empty(spec.shape, device=weight_device(), dtype=spec.dtype)
        _initializers.fill(tensor, _initializers.get(spec.initializer))
        if spec.trainable:
            self.register_parameter(name, Variable(tensor, requires_grad=self._trainable))
        else:
            self.register_buffer(name, tensor)
            if not spec.dtype.is_floating_point:  # a weight too (Normalization's count)
                self.__dict__.setdefault("_int_weights", set()).add(name)
        reg = _regularizers.get(spec.regularizer)
        if reg is not None:
            self._regularized.append((name, reg))
        return getattr(self, name)

    @property
    def weights(self) -> list:
        return self.trainable_weights + self.non_trainable_weights

    @property
    def trainable_weights(self) -> list:
        return [p for p in self.parameters() if p.requires_grad]

    @property
    def non_trainable_weights(self) -> list:
        frozen = [p for p in self.parameters() if not p.requires_grad]
        state = [b for name, b in self.named_buffers() if self._is_weight_buffer(name)]
        return frozen + state

    def _is_weight_buffer(self, qualified_name: str) -> bool:
        module_path, _, attr = qualified_name.rpartition(".")
        module = self.get_submodule(module_path) if module_path else self
        if attr.endswith("_mask") and is_pruned_weight(module, attr[:-5]):
            return False  # pruning's mask: part of the weight it masks, not a weight
        buffer = module._buffers[attr]
        return attr not in module._non_persistent_buffers_set and buffer is not None and (
            buffer.is_floating_point() or attr in module.__dict__.get("_int_weights", ()))

    def count_params(self) -> int:
        """Total number of weights (trainable and not), as Keras counts them."""
        return sum(w.numel() for w in self.weights)

    def get_weights(self) -> list:
        """Weights as numpy arrays in Keras' layouts and order (Dense kernel ``(in, units)``,
        conv kernels ``(*kernel_size, in, filters)``, ...; see ``layers/base/keras_layout.py``).
        torch's layouts stay available through ``state_dict()``."""
        return get_weights(self)

    def keras_weight_rule(self, name: str):
        """How weight ``name`` is laid out in Keras: ``None`` (as in torch) or a
        ``(to_keras, to_torch)`` pair from :mod:`nnlab.layers.base.keras_layout`. Layers
        whose kernels Keras stores transposed or permuted override this."""
        return None

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Set every weight from arrays in Keras' layouts and order (as ``get_weights``
        returns and ``keras_model.get_weights()`` gives). A wrong count or shape raises a
        ValueError naming the weight, before anything changes."""
        set_weights(self, weights)

    def regularization_loss(self) -> torch.Tensor:
        """Sum of the weight penalties of this layer and every layer inside it."""
        total = None
        for module in self.modules():
            if isinstance(module, LayerWeights):
                for name, reg in module._regularized:
                    term = reg(current_weight(module, name))
                    total = term if total is None else total + term
        return total if total is not None else torch.zeros(())

    @property
    def losses(self) -> list:
        """Keras' ``layer.losses``: the regularisation penalties, as a list of scalars."""
        out = []
        for module in self.modules():
            if isinstance(module, LayerWeights):
                out.extend(reg(current_weight(module, name)) for name, reg in module._regularized)
        return out
