"""nnlab.tree against keras.tree (the dev oracle, KERAS_BACKEND=torch) and its own rules."""
from __future__ import annotations

import ast
import collections
from pathlib import Path

import numpy as np
import pytest
import torch

from nnlab import tree

keras = pytest.importorskip("keras")
ktree = keras.tree

Point = collections.namedtuple("Point", "x y")
Other = collections.namedtuple("Other", "x y")

# Structures whose dicts are in sorted key order, where Keras' order and nnlab's agree.
STRUCTURES = [
    1, None, "text", torch.ones(2), np.zeros(3),
    [], (), {}, [None], [1, None, (2, None)],
    [[1, 2, 3], [4, [5], [[6]]]],
    (1, [2, (3, 4)], {"a": 5, "b": [6, 7]}),
    {"a": [1, {"c": 2, "d": (3,)}], "b": None},
    Point(1, [2, 3]), [Point(Point(1, 2), {"k": 3})],
    collections.OrderedDict([("z", 1), ("a", [2, 3])]),
    [[], [()], {"e": []}],
]


@pytest.mark.parametrize("structure", STRUCTURES, ids=repr)
def test_flatten_and_is_nested_match_keras(structure):
    assert tree.is_nested(structure) == ktree.is_nested(structure)
    ours, theirs = tree.flatten(structure), ktree.flatten(structure)
    assert len(ours) == len(theirs)
    assert all(a is b for a, b in zip(ours, theirs))


@pytest.mark.parametrize("structure", STRUCTURES, ids=repr)
def test_map_structure_matches_keras(structure):
    def fn(v):
        return ("leaf", None if isinstance(v, (torch.Tensor, np.ndarray)) else v)
    ours, theirs = tree.map_structure(fn, structure), ktree.map_structure(fn, structure)
    assert ours == theirs and type(ours) is type(theirs)
    assert tree.map_structure(fn, structure, none_is_leaf=False) == \
        ktree.map_structure(fn, structure, none_is_leaf=False)


@pytest.mark.parametrize("structure", STRUCTURES, ids=repr)
def test_pack_sequence_as_inverts_flatten_as_keras(structure):
    flat = [f"v{i}" for i in range(len(tree.flatten(structure)))]
    ours = tree.pack_sequence_as(structure, flat)
    assert ours == ktree.pack_sequence_as(structure, flat)
    assert type(ours) is type(ktree.pack_sequence_as(structure, flat))
    assert tree.flatten(ours) == flat


def test_map_structure_several_structures_as_keras():
    a, b = {"a": 1, "b": [2, (3, None)]}, {"b": [20, (30, None)], "a": 10}
    add = lambda x, y: None if x is None else x + y  # noqa: E731
    assert tree.map_structure(add, a, b) == ktree.map_structure(add, a, b) == \
        {"a": 11, "b": [22, (33, None)]}
    both = lambda x, y: (x, y)  # noqa: E731
    assert tree.map_structure(both, [None, 2], [None, 3], none_is_leaf=False) == \
        ktree.map_structure(both, [None, 2], [None, 3], none_is_leaf=False) == [None, (2, 3)]
    with pytest.raises(ValueError, match="None"):
        tree.map_structure(both, [None, 2], [3, None], none_is_leaf=False)
    assert tree.map_structure(lambda x, y: x * y, Point(1, 2), Point(3, 4)) == Point(3, 8)


@pytest.mark.parametrize("a, b", [
    ((), []), ([1, 2], [1]), ([1], [[1]]), ([[1]], [1]), ({"a": 1}, {"b": 1}),
    (Point(1, 2), Other(1, 2)), (Point(1, 2), (1, 2)), ({"a": 1}, [1]),
], ids=repr)
def test_assert_same_structure_rejects_what_keras_rejects(a, b):
    with pytest.raises(ValueError):
        ktree.assert_same_structure(a, b)
    with pytest.raises(ValueError, match="same nested structure"):
        tree.assert_same_structure(a, b)
    with pytest.raises(ValueError):
        tree.map_structure(lambda x, y: x, a, b)


@pytest.mark.parametrize("a, b", [
    (None, 1), ([None], [1]), ([], []), ({"a": 1}, collections.OrderedDict(a=2)),
    (Point(1, [2]), Point(3, [None])), ({"a": (1, [2])}, {"a": ("x", ["y"])}),
], ids=repr)
def test_assert_same_structure_accepts_what_keras_accepts(a, b):
    ktree.assert_same_structure(a, b)
    tree.assert_same_structure(a, b)


def test_assert_same_structure_names_the_place():
    with pytest.raises(ValueError, match=r"at \['b', 1\]: 2 vs 3 items"):
        tree.assert_same_structure({"a": 1, "b": [0, (1, 2)]}, {"a": 1, "b": [0, (1, 2, 3)]})


def test_pack_sequence_as_errors():
    with pytest.raises(ValueError, match="2 leaves"):
        tree.pack_sequence_as([1, 2], [1])
    with pytest.raises(ValueError, match="1 leaves"):
        tree.pack_sequence_as([1], [1, 2])
    with pytest.raises(TypeError):
        tree.pack_sequence_as([1], 5)
    assert tree.pack_sequence_as(None, [5]) == ktree.pack_sequence_as(None, [5]) == 5


def test_map_structure_needs_a_structure():
    with pytest.raises(ValueError, match="at least one"):
        tree.map_structure(lambda x: x)


def test_dicts_keep_insertion_order_where_keras_sorts():
    d = {"b": 1, "a": 2}
    assert tree.flatten(d) == [1, 2] and ktree.flatten(d) == [2, 1]
    assert list(tree.map_structure(str, d)) == ["b", "a"]
    assert tree.pack_sequence_as(d, [10, 20]) == {"b": 10, "a": 20}


def test_container_types_are_kept():
    dd = collections.defaultdict(list, a=1)
    out = tree.map_structure(lambda v: v + 1, dd)
    assert type(out) is collections.defaultdict and out.default_factory is list
    assert out == ktree.map_structure(lambda v: v + 1, dd)
    od = collections.OrderedDict([("b", 1), ("a", 2)])
    assert tree.map_structure(lambda v: v, od) == od
    assert type(tree.map_structure(lambda v: v, od)) is collections.OrderedDict


def test_shape_structures_keep_shape_tuples_whole():
    shapes = [(None, 3), {"a": (2, None), "b": [()]}]
    assert tree.map_shape_structure(lambda s: s, shapes) == \
        ktree.map_shape_structure(lambda s: s, shapes)
    assert tree.map_shape_structure(len, shapes) == [2, {"a": 2, "b": [0]}]
    assert tree.flatten_shape_structure(shapes) == [(None, 3), (2, None), ()]
    assert tree.flatten_shape_structure((None, 4)) == [(None, 4)]
    assert tree.is_shape((None, 28, 28, 1)) and tree.is_shape(())
    assert not tree.is_shape([None, 3]) and not tree.is_shape((None, 2.0))


def test_first_leaf_is_flatten_first():
    for structure in [torch.ones(2), [torch.ones(1), 2], ({"a": [3, 4]}, 5), Point(7, 8)]:
        assert tree.first_leaf(structure) is tree.flatten(structure)[0]


def test_tree_imports_nothing_from_nnlab():
    source = Path(tree.__file__).read_text()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0 and not (node.module or "").startswith("nnlab")
        elif isinstance(node, ast.Import):
            assert not any(a.name.startswith("nnlab") for a in node.names)
