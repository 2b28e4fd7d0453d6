"""The composition matrix (issue 26; DESIGN.md's composition rule): five ways of building
one small classifier x seventeen techniques x what follows (predict, Keras weights, save
and reload, fit, checkpoint resume). Each cell asserts the technique's result and the
follow-up's values, or the clear refusal an unsupported combination gives (the int8
copy's, a re-parametrised model's Keras weights and save, static int8 on what it cannot
mirror, low rank on torch layers)."""
import itertools

import pytest

from . import follows
from .models import CASES
from .techniques import TECHNIQUES

CELLS = list(itertools.product(CASES, TECHNIQUES, follows.FOLLOWS))


@pytest.mark.parametrize("style,technique,follow", CELLS,
                         ids=["-".join(c) for c in CELLS])
def test_cell(style, technique, follow, tmp_path):
    case = CASES[style]()
    applied = TECHNIQUES[technique](case)
    step = getattr(follows, follow)
    if follow in ("save_load", "resume"):
        step(case, applied, tmp_path)
    else:
        step(case, applied)
