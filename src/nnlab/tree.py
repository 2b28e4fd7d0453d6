"""Nested structures (``keras.tree``): walk, map and rebuild lists, tuples and dicts.

A *structure* is a leaf or a list, tuple (namedtuples included) or dict of structures;
everything else is a leaf: tensors, arrays, numbers, strings and ``None`` (as in
Keras 3, where ``none_is_leaf=True`` is the default). Every nnlab module that walks
nested inputs, outputs, batches or shapes uses these functions.

Example:
    >>> from nnlab import tree
    >>> tree.flatten([1, (2, {"a": 3}), None])
    [1, 2, 3, None]
    >>> tree.map_structure(lambda v: v * 10, {"x": 1, "y": [2, 3]})
    {'x': 10, 'y': [20, 30]}

Differences from ``keras.tree``:

- dicts are walked in insertion order (Keras sorts a plain dict's keys, and keeps
  the order of an ``OrderedDict`` only): a model's outputs ``{"b": ..., "a": ...}``
  stay in the order the user wrote them;
- any ``list``/``tuple``/``dict`` subclass is a container (rebuilt as its own type
  where it can be), ``deque`` is a leaf;
- a *shape* (:func:`is_shape`) is a tuple of ints and ``None``; a list always holds
  several things.

This module imports nothing from nnlab: it is the lowest floor.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Iterator, Sequence

__all__ = ["assert_same_structure", "first_leaf", "flatten", "flatten_shape_structure",
           "is_nested", "is_shape", "map_shape_structure", "map_structure",
           "pack_sequence_as"]


def is_nested(structure: Any) -> bool:
    """True for a list, tuple (namedtuple) or dict, even an empty one; False for a leaf."""
    return isinstance(structure, (list, tuple, dict))


def is_shape(value: Any) -> bool:
    """True for a shape tuple such as ``(None, 28, 28, 1)`` (ints and Nones only; ``()``
    is the shape of a scalar)."""
    return isinstance(value, tuple) and all(v is None or isinstance(v, int) for v in value)


def flatten(structure: Any) -> list:
    """The leaves of ``structure``, depth first, in order (dicts in insertion order).

    ``flatten(None) == [None]``, ``flatten(x) == [x]`` for a leaf ``x``, and
    ``flatten([]) == []``.
    """
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for value in structure.values() for leaf in flatten(value)]
    return [structure]


def flatten_shape_structure(structure: Any) -> list:
    """:func:`flatten` that keeps every shape tuple whole: ``[(None, 3), [(None, 4)]]``
    -> ``[(None, 3), (None, 4)]``; the leaves of :func:`map_shape_structure`."""
    if isinstance(structure, (list, tuple)) and not is_shape(structure):
        return [leaf for item in structure for leaf in flatten_shape_structure(item)]
    if isinstance(structure, dict):
        return [leaf for value in structure.values() for leaf in flatten_shape_structure(value)]
    return [structure]


def first_leaf(structure: Any) -> Any:
    """``flatten(structure)[0]`` without building the list: the first item of each level
    down to a leaf (e.g. the first input tensor of a multi-input batch)."""
    while True:
        if isinstance(structure, (list, tuple)):
            structure = structure[0]
        elif isinstance(structure, dict):
            structure = next(iter(structure.values()))
        else:
            return structure


def _sequence(like: Sequence, items: list) -> Any:
    """``items`` in a sequence of the kind of ``like``: a list, a tuple, or ``like``'s
    namedtuple class (other list/tuple subclasses give a plain list/tuple)."""
    if isinstance(like, list):
        return items
    kind = type(like)
    return kind(*items) if hasattr(kind, "_fields") else tuple(items)


def _mapping(like: dict, items: dict) -> dict:
    """``items`` in a mapping of the type of ``like`` (a defaultdict keeps its factory)."""
    kind = type(like)
    if kind is dict:
        return items
    if isinstance(like, defaultdict):
        return defaultdict(like.default_factory, items)
    try:
        return kind(items)
    except TypeError:
        return items


def map_structure(func: Callable[..., Any], *structures: Any, none_is_leaf: bool = True
                  ) -> Any:
    """``func`` applied to every leaf, in a structure like the first one.

    Args:
        func: takes one leaf of each structure.
        *structures: one or more structures of the same layout
            (:func:`assert_same_structure`); dicts are matched by key.
        none_is_leaf: if False, ``None`` leaves are kept as ``None`` without calling
            ``func`` (with several structures, ``None`` must then stand at the same
            place in all of them).

    Returns:
        A new structure: lists, tuples, namedtuples and dicts rebuilt as their own type.

    Raises:
        ValueError: no structure given, or the structures differ in layout.
    """
    if len(structures) == 1 and none_is_leaf:  # one structure: the hot path, kept lean
        s = structures[0]
        if not isinstance(s, (list, tuple, dict)):
            return func(s)
        kind = type(s)
        if kind is list:
            return [map_structure(func, v) for v in s]
        if kind is tuple:
            return tuple([map_structure(func, v) for v in s])
        if kind is dict:
            return {k: map_structure(func, v) for k, v in s.items()}
        if isinstance(s, dict):
            return _mapping(s, {k: map_structure(func, v) for k, v in s.items()})
        return _sequence(s, [map_structure(func, v) for v in s])
    if not structures:
        raise ValueError("map_structure needs at least one structure")
    for other in structures[1:]:
        assert_same_structure(structures[0], other)
    return _map_many(func, structures, none_is_leaf)


def _map_many(func: Callable[..., Any], structures: Sequence, none_is_leaf: bool) -> Any:
    first = structures[0]
    if isinstance(first, dict):
        return _mapping(first, {k: _map_many(func, [s[k] for s in structures], none_is_leaf)
                                for k in first})
    if isinstance(first, (list, tuple)):
        return _sequence(first, [_map_many(func, items, none_is_leaf)
                                 for items in zip(*structures)])
    if not none_is_leaf and any(s is None for s in structures):
        if all(s is None for s in structures):
            return None
        raise ValueError(f"Structure mismatch: some arguments are None, others are not: "
                         f"{tuple(structures)!r}")
    return func(*structures)


def map_shape_structure(func: Callable[[Any], Any], structure: Any) -> Any:
    """:func:`map_structure` that treats every shape tuple (:func:`is_shape`) as a leaf:
    ``map_shape_structure(f, [(None, 3), (None, 4)]) == [f((None, 3)), f((None, 4))]``."""
    if is_shape(structure) or not isinstance(structure, (list, tuple, dict)):
        return func(structure)
    if isinstance(structure, dict):
        return _mapping(structure, {k: map_shape_structure(func, v)
                                    for k, v in structure.items()})
    return _sequence(structure, [map_shape_structure(func, v) for v in structure])


def pack_sequence_as(structure: Any, flat_sequence: Sequence) -> Any:
    """The inverse of :func:`flatten`: ``flat_sequence``'s items in ``structure``'s layout.

    ``pack_sequence_as(structure, flatten(structure)) == structure``; a leaf
    ``structure`` gives ``flat_sequence[0]``.

    Raises:
        TypeError: ``flat_sequence`` is not iterable.
        ValueError: ``flat_sequence`` has more or fewer items than ``structure`` leaves.
    """
    items = list(flat_sequence)
    expected = len(flatten(structure))
    if len(items) != expected:
        raise ValueError(f"pack_sequence_as: the structure has {expected} leaves, the flat "
                         f"sequence {len(items)} items")
    return _pack(structure, iter(items))


def _pack(structure: Any, items: Iterator) -> Any:
    if isinstance(structure, dict):
        return _mapping(structure, {k: _pack(v, items) for k, v in structure.items()})
    if isinstance(structure, (list, tuple)):
        return _sequence(structure, [_pack(v, items) for v in structure])
    return next(items)


def assert_same_structure(a: Any, b: Any) -> None:
    """Raise unless ``a`` and ``b`` nest the same way (leaves may differ).

    At each level both must be the same kind: list with list, tuple with tuple, a
    namedtuple with the same namedtuple class, any dicts with the same keys; and of the
    same length. Any two leaves match (``None`` included).

    Raises:
        ValueError: naming the first place (a path of indices and keys) that differs.
    """
    mismatch = _mismatch(a, b, ())
    if mismatch:
        raise ValueError(f"The two structures don't have the same nested structure: "
                         f"{mismatch}.\nFirst: {a!r}\nSecond: {b!r}")


def _mismatch(a: Any, b: Any, path: tuple) -> str:
    """A description of the first difference between ``a`` and ``b``, or ``""``."""
    where = f"at {list(path)}" if path else "at the top"
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)):
            return f"{where}: {type(a).__name__} vs {type(b).__name__}"
        if set(a) != set(b):
            return f"{where}: keys {sorted(map(repr, a))} vs {sorted(map(repr, b))}"
        return next((m for k in a if (m := _mismatch(a[k], b[k], path + (k,)))), "")
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        if _kind(a) is not _kind(b):
            return f"{where}: {type(a).__name__} vs {type(b).__name__}"
        if len(a) != len(b):
            return f"{where}: {len(a)} vs {len(b)} items"
        return next((m for i, (x, y) in enumerate(zip(a, b))
                     if (m := _mismatch(x, y, path + (i,)))), "")
    return ""


def _kind(value: Any) -> Any:
    """What must agree between two sequences: list, tuple, or the namedtuple class."""
    if isinstance(value, list):
        return list
    if isinstance(value, tuple):
        return type(value) if hasattr(type(value), "_fields") else tuple
    return None

