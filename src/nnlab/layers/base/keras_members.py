"""Members of a Keras layer that are other names for nnlab's (a mixin of ``Layer``):
Keras 3's ``trainable_variables`` / ``non_trainable_variables`` / ``variables`` and Keras
2's ``output_shape`` of a layer that has been called on symbolic tensors.
"""
from __future__ import annotations

from typing import Any

from ...tree import map_structure


class KerasMembers:
    """``trainable_variables`` & co. and ``output_shape`` (see the module docstring)."""

    @property
    def trainable_variables(self) -> list:
        """Keras 3's name for ``trainable_weights``."""
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list:
        """Keras 3's name for ``non_trainable_weights``."""
        return self.non_trainable_weights

    @property
    def variables(self) -> list:
        """Keras 3's name for ``weights``."""
        return self.weights

    @property
    def output_shape(self) -> Any:
        """Keras 2's ``layer.output_shape`` (the lectures' habit; Keras 3 removed it): the
        output shape of the layer's calls on symbolic tensors, e.g. ``(None, 26, 26, 32)``
        for a layer of a built model. A layer never called that way, or called on shapes
        giving different outputs, has none (AttributeError, as in Keras 2); then use
        ``layer.compute_output_shape(input_shape)`` or ``layer.output.shape``."""
        shapes = [map_structure(lambda t: t.shape, node.outputs)
                  for node in self.__dict__.get("_inbound_nodes", [])]
        if not shapes or any(s != shapes[0] for s in shapes[1:]):
            raise AttributeError("output_shape")
        return shapes[0]
