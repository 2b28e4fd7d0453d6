"""``keras.saving``: ``load_model``, ``save_model`` and the registration of custom classes
(``@keras.saving.register_keras_serializable(package="my_pkg")``, keras.io's idiom for
custom layers and models).

Registering a layer or model class saves it as ``"package>Name"`` (the same as nnlab's
``class Name(Layer, namespace="package")``), so a file names it unambiguously and
``load_model`` rebuilds it without ``custom_objects``. nnlab files hold the compile
config as names and nnlab objects only (a plain function as loss or metric is not
saved: ``load_model`` then returns the model uncompiled, see
:mod:`nnlab.models.saving.compile_state`), so a registered function or other object
needs nothing more: it is recorded and returned unchanged (``get_registered_object``
finds it by name).

Example:
    >>> @register_keras_serializable(package="demo")
    ... class Scale(nnlab.layers.Layer):
    ...     def call(self, x):
    ...         return 2 * x
    >>> get_registered_name(Scale)
    'demo>Scale'
"""
from __future__ import annotations

import os
from typing import Any, Callable, Dict, Optional

from .layers.base.layer import Layer
from .layers.base.registry import LAYER_CLASSES, register_layer_class, registered_class
from .models.saving.serialization import load_model as _load_model

__all__ = ["get_custom_objects", "get_registered_name", "get_registered_object",
           "load_model", "register_keras_serializable", "save_model"]

#: "package>name" -> a registered object that is not a layer class (functions, losses)
_OBJECTS: Dict[str, Any] = {}


def register_keras_serializable(package: str = "Custom", name: Optional[str] = None
                                ) -> Callable[[Any], Any]:
    """A decorator registering a class or function under ``"package>name"`` (``name``
    defaults to the class or function name); layer and model classes are then saved
    under that name. Returns the object unchanged.

    Raises:
        ValueError: a bad ``package`` (empty or with ``">"``), or a layer class ``name``
            that differs from the class name (nnlab saves a class under its own name).
    """
    def decorate(obj: Any) -> Any:
        own = getattr(obj, "__name__", None)
        if isinstance(obj, type) and issubclass(obj, Layer):
            if name is not None and name != own:
                raise ValueError(f"register_keras_serializable: nnlab saves layer class "
                                 f"{own!r} under its own name; name={name!r} differs")
            plain = obj._registered_name
            obj._registered_name = register_layer_class(obj, package, override=True)
            if plain != obj._registered_name and LAYER_CLASSES.get(plain) is obj:
                del LAYER_CLASSES[plain]  # the package's name is the one it is saved as
            return obj
        key = f"{package}>{name or own}"
        if not isinstance(package, str) or not package or ">" in package or key.endswith(
                ">None"):
            raise ValueError(f"register_keras_serializable: cannot register {obj!r} as "
                             f"{key!r}")
        _OBJECTS[key] = obj
        return obj
    return decorate


def get_registered_name(obj: Any) -> str:
    """The name ``obj`` is saved under (``"package>Name"`` once registered)."""
    if isinstance(obj, type) and issubclass(obj, Layer):
        return obj._registered_name
    for key, value in _OBJECTS.items():
        if value is obj:
            return key
    return getattr(obj, "__name__", type(obj).__name__)


def get_registered_object(name: str, custom_objects: Optional[Dict[str, Any]] = None,
                          module_objects: Optional[Dict[str, Any]] = None) -> Any:
    """The class or object registered as ``name`` (``custom_objects`` and
    ``module_objects`` first), or None."""
    for table in (custom_objects, module_objects):
        if table and name in table:
            return table[name]
    return _OBJECTS.get(name) or registered_class(name, custom_objects)


def get_custom_objects() -> Dict[str, Any]:
    """The registered non-layer objects by name (Keras' global custom-object dict)."""
    return _OBJECTS


def load_model(filepath: Any, custom_objects: Optional[Dict[str, Any]] = None,
               compile: bool = True, safe_mode: bool = True) -> Any:  # noqa: A002
    """``nnlab.models.load_model``: ``compile=False`` returns the model uncompiled
    (``safe_mode``: Keras' argument; nnlab files hold no code)."""
    return _load_model(filepath, custom_objects=custom_objects, compile=compile)


def save_model(model: Any, filepath: Any, overwrite: bool = True, **kwargs: Any) -> None:
    """``model.save(filepath)``; ``overwrite=False`` refuses an existing file."""
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"save_model: {os.fspath(filepath)!r} exists and "
                              f"overwrite=False")
    model.save(filepath)  # Keras' other options (zipped=...) do not apply
