"""Human-readable dates -> ISO dates, the lectures' neural-translation exercise.

``make_dates(n, seed)`` writes each date in one of many formats ("the 3rd of March
1998", "Tue 03/03/98", "march 3 1998", "3. März 1998", "3 de marzo de 1998" ...) with
English, French, German, Spanish and Italian month (and weekday) names and random case,
paired with its ISO form "1998-03-03". ``date_splits`` holds out whole *dates*: no test
date appears in training under any format, so the model must read dates, not recall
strings. Everything is reproducible from the seed. Dates span 1950-01-01..2049-12-31,
so two-digit years are unambiguous (50..99 -> 19xx, 00..49 -> 20xx).
"""
from __future__ import annotations

import datetime as dt
import random

import numpy as np

MONTHS = {
    "en": "January February March April May June July August September October November "
          "December".split(),
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre "
          "décembre".split(),
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November "
          "Dezember".split(),
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
          "diciembre".split(),
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre "
          "novembre dicembre".split(),
}
WEEKDAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split(),
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche".split(),
    "de": "Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag".split(),
    "es": "lunes martes miércoles jueves viernes sábado domingo".split(),
    "it": "lunedì martedì mercoledì giovedì venerdì sabato domenica".split(),
}
# French abbreviations as written (juin/juillet would both cut to "jui")
ABBREVIATIONS = {"fr": "janv févr mars avr mai juin juil août sept oct nov déc".split()}
FIRST, LAST = dt.date(1950, 1, 1), dt.date(2049, 12, 31)


def _ordinal(d: int) -> str:
    return str(d) + ("th" if 10 <= d % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th"))


def _formats(date: dt.date, loc: str) -> list:
    """Every way this module writes ``date`` in locale ``loc`` (one is drawn per example).

    Numeric forms never clash: slashes are month-first (US), dots and dashes day-first.
    """
    d, m, y = date.day, date.month, date.year
    month, wk = MONTHS[loc][m - 1], WEEKDAYS[loc][date.weekday()]
    mon = ABBREVIATIONS[loc][m - 1] if loc in ABBREVIATIONS else month[:3]
    wkd, yy = wk[:3], f"{y % 100:02d}"
    common = [f"{d} {month} {y}", f"{d:02d} {mon} {y}", f"{d} {mon} {yy}",
              f"{wk} {d} {month} {y}", f"{d:02d}.{m:02d}.{y}", f"{d}.{m}.{yy}",
              f"{d:02d}-{m:02d}-{y}", f"{wkd} {d:02d}.{m:02d}.{yy}"]
    if loc == "en":
        return common + [f"{month} {d}, {y}", f"{month} {d} {y}", f"the {_ordinal(d)} of {month} {y}",
                         f"{_ordinal(d)} {month} {y}", f"{wkd} {m:02d}/{d:02d}/{yy}",
                         f"{m}/{d}/{y}", f"{wk}, {month} {d}, {y}", f"{mon} {d} {y}",
                         f"{mon}. {_ordinal(d)}, {y}"]
    if loc == "fr":
        return common + [f"le {d} {month} {y}", f"{wk} {d} {month} {y}", f"le {wk} {d} {mon} {y}"]
    if loc == "de":
        return common + [f"{d}. {month} {y}", f"{wk}, {d}. {month} {y}", f"am {d}. {mon} {y}"]
    if loc == "es":
        return common + [f"{d} de {month} de {y}", f"{wk}, {d} de {month} de {y}",
                         f"el {d} de {mon} {y}"]
    return common + [f"il {d} {month} {y}", f"{wk} {d} {month} {y}", f"{d} {mon}. {y}"]


def format_date(date: dt.date, rng: random.Random) -> str:
    """``date`` in a random locale, format and case (lower, as written, title or upper)."""
    text = rng.choice(_formats(date, rng.choice(sorted(MONTHS))))
    case = rng.random()
    return text.lower() if case < 0.3 else text.upper() if case > 0.9 else \
        text.title() if case > 0.75 else text


def all_dates() -> list:
    """Every date in the covered range (1950-01-01 .. 2049-12-31), in order."""
    return [FIRST + dt.timedelta(days=i) for i in range((LAST - FIRST).days + 1)]


def make_dates(dates, n: int, seed: int = 0) -> tuple:
    """``n`` (human, iso) pairs drawn from ``dates`` (with replacement), reproducibly."""
    if n < 1:
        raise ValueError(f"make_dates: n must be >= 1, got {n}")
    dates = list(dates)
    if not dates:
        raise ValueError("make_dates: no dates to draw from")
    rng = random.Random(seed)
    picked = [dates[rng.randrange(len(dates))] for _ in range(n)]
    return [format_date(d, rng) for d in picked], [d.isoformat() for d in picked]


def date_splits(n_train: int = 20000, n_test: int = 2000, test_fraction: float = 0.1,
                seed: int = 0) -> tuple:
    """Training and test pairs whose *dates* are disjoint.

    A ``test_fraction`` of the 36,524 dates is chosen at random (seeded) and only those
    appear in the test set. Returns ``(train_human, train_iso), (test_human, test_iso)``.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"date_splits: test_fraction must be in (0, 1), got {test_fraction}")
    dates = all_dates()
    order = np.random.default_rng(seed).permutation(len(dates))
    cut = int(len(dates) * test_fraction)
    test_dates = [dates[i] for i in np.sort(order[:cut])]
    train_dates = [dates[i] for i in np.sort(order[cut:])]
    return make_dates(train_dates, n_train, seed + 1), make_dates(test_dates, n_test, seed + 2)
