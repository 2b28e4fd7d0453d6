"""docs/keras_api.md's "What nnlab still lacks" list stays honest: every name it claims
missing is really missing from nnlab (checked without Keras), and, with the Keras version
the list names installed, the list is exactly what tests/keras_api_gap.py finds."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import nnlab
from tests.keras_api_gap import nnlab_has, nnlab_namespace

DOC = Path(__file__).resolve().parents[1] / "docs" / "keras_api.md"
REGENERATE = "KERAS_BACKEND=torch PYTHONPATH=src .venv/bin/python -m tests.keras_api_gap"


def _block():
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"## What nnlab still lacks \(Keras (\S+)'s public names.*?\n```\n"
                      r"(.*?)\n```", text, re.S)
    assert match, "docs/keras_api.md has no 'What nnlab still lacks' block"
    return match.group(1), match.group(2)


def _claims(block):
    """``[(namespace, [names] or None for a whole namespace)]`` the block claims missing."""
    lines, out = block.splitlines(), []
    for i, line in enumerate(lines):
        whole = re.fullmatch(r"(\S+): the whole namespace is missing", line)
        counted = re.fullmatch(r"(\S+): Keras (\d+), nnlab has (\d+), lacks (\d+)", line)
        if whole:
            out.append((whole.group(1), None))
        elif counted:
            names = lines[i + 1].strip()
            names = [] if names == "(none)" else names.split(", ")
            keras_n, has, lacks = map(int, counted.group(2, 3, 4))
            assert len(names) == lacks and keras_n == has + lacks, line
            out.append((counted.group(1), names))
    return out


def test_every_name_the_list_claims_missing_is_missing():
    claims = _claims(_block()[1])
    assert len(claims) >= 20
    present = [f"{ns}.{name}" for ns, names in claims if names for name in names
               if nnlab_has(ns, name)]
    assert not present, (f"docs/keras_api.md claims nnlab lacks {present}, but nnlab has "
                         f"them: regenerate the block with `{REGENERATE}`")
    whole = [ns for ns, names in claims if names is None and nnlab_namespace(ns) is not None]
    assert not whole, f"namespaces claimed missing that exist: {whole}"


def test_swish_is_there_as_in_keras():
    """The list named activations.swish although Activation("swish") worked."""
    x = nnlab.ops.convert_to_tensor([-1.0, 0.0, 2.0])
    assert nnlab.activations.swish is nnlab.activations.silu
    assert nnlab.activations.get("swish") is nnlab.activations.swish
    assert nnlab.ops.convert_to_numpy(nnlab.activations.swish(x)).tolist() == pytest.approx(
        [-0.2689414, 0.0, 1.7615942])


def test_the_list_is_what_keras_has_and_nnlab_lacks():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    version, block = _block()
    if keras.__version__ != version:
        pytest.skip(f"the list is for Keras {version}, Keras {keras.__version__} is installed")
    from tests.keras_api_gap import gap, render
    assert block == render(gap()), f"stale list: regenerate it with `{REGENERATE}`"
