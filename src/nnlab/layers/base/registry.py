"""The layer-class registry: how ``load_model`` finds a class from the name in a file.

Every :class:`~nnlab.layers.base.layer.Layer` subclass registers itself when Python
defines it (``Layer.__init_subclass__``), under its class name, or ``"namespace>Name"``
when it is defined with ``class Name(Layer, namespace="my_pkg")`` (Keras'
``register_keras_serializable(package=...)`` spelling). A name that is already taken by
*another* class is refused with an error that says how to resolve it; defining the same
class again (a notebook cell run twice, a reloaded module) replaces it silently.

Nothing here imports the rest of nnlab: the registry is the floor the layer base and
the saving code both stand on.
"""
from __future__ import annotations

from typing import Dict, Optional

#: registered name -> class
LAYER_CLASSES: Dict[str, type] = {}


def _same_definition(a: type, b: type) -> bool:
    """True when ``b`` is ``a`` defined again (same module and qualified name)."""
    return a.__module__ == b.__module__ and a.__qualname__ == b.__qualname__


def register_layer_class(cls: type, namespace: Optional[str] = None,
                         override: bool = False) -> str:
    """Register ``cls`` and return the name it is registered (and saved) under.

    Raises:
        ValueError: the name belongs to another class and ``override`` is False.
    """
    if namespace is not None and (not isinstance(namespace, str) or not namespace
                                  or ">" in namespace):
        raise ValueError(f"class {cls.__qualname__}: namespace must be a non-empty string "
                         f"without '>', got {namespace!r}")
    key = f"{namespace}>{cls.__name__}" if namespace else cls.__name__
    taken = LAYER_CLASSES.get(key)
    if taken is not None and taken is not cls and not override \
            and not _same_definition(taken, cls):
        raise ValueError(
            f"Layer class name {key!r} is already registered by {taken.__module__}."
            f"{taken.__qualname__}; {cls.__module__}.{cls.__qualname__} would silently "
            f"replace it for load_model. Give your class another name, a namespace "
            f"(class {cls.__name__}(..., namespace='my_pkg') registers 'my_pkg>"
            f"{cls.__name__}'), or say class {cls.__name__}(..., override=True) to replace "
            f"it on purpose.")
    LAYER_CLASSES[key] = cls
    return key


def registered_class(name: str, custom_objects: Optional[Dict[str, type]] = None
                     ) -> Optional[type]:
    """The class saved as ``name``: ``custom_objects`` first (by full name or by the
    bare class name), then the registry; None when unknown."""
    custom = custom_objects or {}
    bare = name.rpartition(">")[2]
    return custom.get(name) or custom.get(bare) or LAYER_CLASSES.get(name)
