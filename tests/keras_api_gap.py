"""What nnlab still lacks of Keras 3's public API: the block in docs/keras_api.md.

    KERAS_BACKEND=torch PYTHONPATH=src .venv/bin/python -m tests.keras_api_gap

prints it. For each Keras namespace (``keras.ops``, ``keras.layers``, ...) the public
names of ``dir()`` are compared with nnlab's namespace of the same name: a name is present
when ``hasattr(nnlab.<namespace>, name)``. :func:`gap` needs Keras (the dev-only oracle);
:func:`nnlab_has` does not (tests/test_keras_api_gap.py checks the doc's claims with it).
"""
from __future__ import annotations

import importlib
import os
from typing import Dict, List, Optional, Tuple

#: the namespaces compared, in the doc's order ("ops.nn" is keras.ops.nn / nnlab.ops.nn)
NAMESPACES = ("ops", "ops.nn", "ops.image", "ops.linalg", "layers", "metrics", "losses",
              "callbacks", "optimizers", "models", "utils", "config", "saving",
              "applications", "datasets", "random", "initializers", "regularizers",
              "activations", "constraints")


def nnlab_namespace(namespace: str):
    """``nnlab.<namespace>``, or None when nnlab has no such namespace."""
    import nnlab
    target = nnlab
    for part in namespace.split("."):
        target = getattr(target, part, None)
        if target is None:
            try:
                return importlib.import_module(f"nnlab.{namespace}")
            except ImportError:
                return None
    return target


def nnlab_has(namespace: str, name: str) -> bool:
    """True when nnlab offers Keras' ``keras.<namespace>.<name>``."""
    module = nnlab_namespace(namespace)
    if module is None:
        return False
    return hasattr(module, name)


def gap() -> Dict[str, Tuple[int, Optional[List[str]]]]:
    """``namespace -> (Keras' count, the names nnlab lacks or None: no namespace)``."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    out = {}
    for namespace in NAMESPACES:
        theirs = importlib.import_module(f"keras.{namespace}")
        names = sorted(n for n in dir(theirs) if not n.startswith("_"))
        if nnlab_namespace(namespace) is None:
            out[namespace] = (len(names), None)
        else:
            out[namespace] = (len(names), [n for n in names if not nnlab_has(namespace, n)])
    return out


def render(found: Dict[str, Tuple[int, Optional[List[str]]]]) -> str:
    """The doc's block: per namespace a count line and the missing names."""
    lines = []
    for namespace, (count, missing) in found.items():
        if missing is None:
            lines.append(f"{namespace}: the whole namespace is missing")
            continue
        lines.append(f"{namespace}: Keras {count}, nnlab has {count - len(missing)}, "
                     f"lacks {len(missing)}")
        lines.append("  " + ", ".join(missing) if missing else "  (none)")
    return "\n".join(lines)


if __name__ == "__main__":
    import keras
    print(f"Keras {keras.__version__}")
    print(render(gap()))
