"""The floor plan holds (docs/architecture.md): no import circle among the files of
``src/nnlab``, the floors of floor 2 import one way (training -> models -> layers), and no
source file is over 500 lines.

Every import counts, also one inside a function (a lazy import hides a circle, it does
not remove it). An import through a package ``__init__`` that only re-exports is
followed to the module that defines the name, so a re-export cannot hide a dependency
either: ``from nnlab.models import Model`` is an edge to ``nnlab/models/model.py``.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set

SRC = Path(__file__).resolve().parents[1] / "src"
MAX_LINES = 500


def _modules() -> Dict[str, Path]:
    out = {}
    for path in (SRC / "nnlab").rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def _absolute(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if _is_package(module) else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _reexports(package: str) -> Dict[str, str]:
    """``name -> module`` for the names a package's ``__init__`` imports from its files."""
    out = {}
    for node in ast.walk(ast.parse(MODULES[package].read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            source = _absolute(package, node)
            for alias in node.names:
                out[alias.asname or alias.name] = source
    return out


def _resolve(target: str, name: str, seen: Set[str] = frozenset()) -> List[str]:
    """The modules ``from target import name`` depends on (through re-exports)."""
    if f"{target}.{name}" in MODULES:
        return [f"{target}.{name}"]
    if target not in MODULES:
        return []
    if not _is_package(target):
        return [target]
    source = _reexports(target).get(name)
    if source is None or source in seen:
        return []  # defined in the __init__ itself (or lazily by __getattr__)
    return _resolve(source, name, seen | {target}) if source in MODULES else []


def _edges() -> Dict[str, Set[str]]:
    edges: Dict[str, Set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        if _is_package(module):
            continue  # a package __init__ that re-exports is followed, not counted
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                target = _absolute(module, node)
                for alias in node.names:
                    edges[module].update(_resolve(target, alias.name))
            elif isinstance(node, ast.Import):
                edges[module].update(a.name for a in node.names
                                     if a.name in MODULES and not _is_package(a.name))
        edges[module].discard(module)
    return edges


def _circles(edges: Dict[str, Set[str]]) -> List[List[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    found = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_graph_sees_lazy_and_reexported_imports():
    edges = _edges()
    assert "nnlab.layers.base.layer" in edges["nnlab.models.model"]
    # demo.py imports ``from .models import Sequential`` inside a function: a lazy import
    # through a re-exporting __init__ is an edge to the defining file
    assert {"nnlab.models.sequential", "nnlab.layers.core"} <= edges["nnlab.demo"]


def test_no_import_circle_in_src():
    circles = _circles(_edges())
    assert not circles, "import circles:\n" + "\n".join(
        f"  {len(c)} files: {', '.join(c)}" for c in circles)


def _floor(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_floor_two_imports_one_way():
    """layers/ stands on nothing above it; models/ stands on layers/ only; training/ on
    both (DESIGN.md: training -> models -> layers)."""
    forbidden = {"layers": {"models", "training", "distributed"},
                 "models": {"training", "distributed"},
                 "training": {"distributed"}}
    wrong = [f"{m} -> {t}" for m, targets in _edges().items() for t in targets
             if _floor(t) in forbidden.get(_floor(m), ())]
    assert not wrong, "imports against the floor plan:\n  " + "\n  ".join(sorted(wrong))


def test_low_modules_import_nothing_above_them():
    low = ["nnlab.config", "nnlab.errors", "nnlab._deprecation", "nnlab.tree", "nnlab.dtypes",
           "nnlab.utils.allocator", "nnlab.utils.naming"]
    edges = _edges()
    wrong = {m: sorted(edges[m]) for m in low if m in edges and edges[m] - set(low)}
    assert not wrong, f"low modules import upward: {wrong}"


def test_no_source_file_over_500_lines():
    long = {str(p.relative_to(SRC)): n for p in MODULES.values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"files over {MAX_LINES} lines: {long}"


def test_every_path_docs_architecture_names_exists():
    """docs/architecture.md names files in backticks (``layers/base/layer.py``); each
    must exist under src/nnlab (or the repository), so the floor plan cannot go stale."""
    import re
    doc = (SRC.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    paths = set(re.findall(r"`([\w/]+(?:\.py|/))`", doc))
    names = {f.name for f in (SRC / "nnlab").rglob("*.py")}

    def exists(p: str) -> bool:  # a bare file name follows its family's folder in the text
        return (SRC / "nnlab" / p).exists() or (SRC.parent / p).exists() or \
            ("/" not in p and p in names)
    missing = sorted(p for p in paths if not exists(p))
    assert len(paths) > 100 and not missing, f"docs/architecture.md names missing files: {missing}"
