"""The layer-class registry: how ``load_model`` finds a class from the name in a file.

Every :class:`~nnlab.layers.base.layer.Layer` subclass registers itself when Python
defines it (``Layer.__init_subclass__``), under its class name, or ``"namespace>Name"``
when it is defined with ``class Name(Layer, namespace="my_pkg")`` (Keras'
``register_keras_serializable(package=...)`` spelling). A name is never silently taken
from another class:

- defining the same class again (a notebook cell run twice, a reloaded module) replaces
  it; ``override=True`` replaces another class on purpose;
- a user's class whose name another class already holds (``class GAN(keras.Model)`` in
  a keras-io program, beside ``nnlab.generative.GAN``) still works in every way but one:
  saving it is refused, with a message that says how to give it a name of its own (a
  file that names ``GAN`` would rebuild the other class);
- two of nnlab's own classes with one name are a bug, refused at import.

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


def _builtin(cls: type) -> bool:
    return cls.__module__ == "nnlab" or cls.__module__.startswith("nnlab.")


def _where(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def register_layer_class(cls: type, namespace: Optional[str] = None,
                         override: bool = False) -> str:
    """Register ``cls``; return the name it is saved under.

    When the name belongs to another class (and neither ``override`` nor a re-definition
    applies), ``cls`` is left out of the registry and marked so that saving it raises
    (:func:`check_saveable`); nnlab's own classes take their name back from a user's.

    Raises:
        ValueError: a bad ``namespace``, or two of nnlab's own classes share a name.
    """
    if namespace is not None and (not isinstance(namespace, str) or not namespace
                                  or ">" in namespace):
        raise ValueError(f"class {cls.__qualname__}: namespace must be a non-empty string "
                         f"without '>', got {namespace!r}")
    key = f"{namespace}>{cls.__name__}" if namespace else cls.__name__
    taken = LAYER_CLASSES.get(key)
    cls._name_held_by = None
    if taken is None or taken is cls or override or _same_definition(taken, cls):
        LAYER_CLASSES[key] = cls
    elif _builtin(cls) and not _builtin(taken):
        LAYER_CLASSES[key] = cls
        taken._name_held_by = cls
    elif _builtin(cls):
        raise ValueError(f"two nnlab layer classes are named {key!r}: {_where(taken)} and "
                         f"{_where(cls)}")
    else:
        cls._name_held_by = taken
    return key


def check_saveable(cls: type) -> str:
    """The name ``cls`` is saved under; raises ValueError when another class holds it."""
    holder = getattr(cls, "_name_held_by", None)
    if holder is None:
        return cls._registered_name
    name = cls._registered_name
    raise ValueError(
        f"Layer class {name!r} ({_where(cls)}) cannot be saved under that name: "
        f"{_where(holder)} is registered as {name!r}, and loading the file would rebuild "
        f"that class instead. Give your class another name, a namespace (class "
        f"{cls.__name__}(..., namespace='my_pkg') saves it as 'my_pkg>{cls.__name__}'), or "
        f"define it with override=True to take the name on purpose.")


def registered_class(name: str, custom_objects: Optional[Dict[str, type]] = None
                     ) -> Optional[type]:
    """The class saved as ``name``: ``custom_objects`` first (by full name or by the
    bare class name), then the registry; None when unknown."""
    custom = custom_objects or {}
    bare = name.rpartition(">")[2]
    return custom.get(name) or custom.get(bare) or LAYER_CLASSES.get(name)
