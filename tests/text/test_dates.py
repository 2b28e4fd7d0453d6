"""The dates task: reproducible, many formats and locales, held out by date."""
import datetime as dt
import random

import pytest

from nnlab.text.dates import _formats, date_splits, format_date, make_dates


def test_reproducible_and_held_out_by_date():
    (a, b), (c, d) = date_splits(3000, 500, seed=0)
    assert date_splits(3000, 500, seed=0) == ((a, b), (c, d))
    assert not set(b) & set(d)  # no test date appears in training in any format
    assert date_splits(3000, 500, seed=1)[0] != (a, b)
    assert len(set(a)) > 2500 and all(len(iso) == 10 for iso in b)


def test_formats_and_locales():
    day = dt.date(1998, 3, 3)  # a Tuesday
    every = {f for loc in ("en", "fr", "de", "es", "it") for f in _formats(day, loc)}
    for expected in ["the 3rd of March 1998", "Tue 03/03/98", "March 3 1998", "3. März 1998",
                     "3 de marzo de 1998", "le 3 mars 1998", "martedì 3 marzo 1998"]:
        assert expected in every
    assert len(every) > 40
    rng = random.Random(0)
    cases = {format_date(day, rng) for _ in range(300)}
    assert any(s.islower() for s in cases) and any(s.isupper() for s in cases)


def test_numeric_forms_are_unambiguous():
    # slashes are month-first, dots and dashes day-first: 4 March vs 3 April differ
    a, b = dt.date(2001, 3, 4), dt.date(2001, 4, 3)
    fa = {f for loc in ("en", "fr") for f in _formats(a, loc)}
    fb = {f for loc in ("en", "fr") for f in _formats(b, loc)}
    assert not fa & fb


def test_bad_input():
    with pytest.raises(ValueError, match="n must be >= 1"):
        make_dates([dt.date(2000, 1, 1)], 0)
    with pytest.raises(ValueError, match="test_fraction must be in"):
        date_splits(10, 10, test_fraction=0.0)
