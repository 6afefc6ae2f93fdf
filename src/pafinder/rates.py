"""Dated rate tables from content/rates/: the legal minimum pay and the employer's costs.

Each table lists rates with the date each applies from and the page that published it; the rate
for a day is the one with the latest ``from`` on or before it, so a table written ahead (April's
new rate announced in November) starts applying on its own date with no release.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Rate:
    applies_from: date
    pence: int
    source: str


class RateTableError(ValueError):
    pass


def _load(path: Path) -> tuple[Rate, ...]:
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    rates = []
    for i, item in enumerate(data.get("rates", []) if isinstance(data, dict) else []):
        applies_from, pence, source = item.get("from"), item.get("pence"), item.get("source")
        if not isinstance(applies_from, date) or not isinstance(pence, int) or not source:
            raise RateTableError(f"{path}: rate {i + 1} needs from (a date), pence and source")
        rates.append(Rate(applies_from, pence, str(source)))
    if not rates:
        raise RateTableError(f"{path}: no rates")
    return tuple(sorted(rates, key=lambda r: r.applies_from))


@cache
def _table(content_dir: Path, name: str) -> tuple[Rate, ...]:
    return _load(content_dir / "rates" / f"{name}.yaml")


def rate_on(content_dir: Path, name: str, day: date) -> Rate:
    """The rate of table ``name`` that applies on ``day`` (the earliest one before any is dated)."""
    table = _table(content_dir.resolve(), name)
    current = table[0]
    for rate in table:
        if rate.applies_from <= day:
            current = rate
    return current


def national_living_wage(content_dir: Path, day: date) -> Rate:
    """The National Living Wage (aged 21 and over) for work on ``day``, in pence per hour."""
    return rate_on(content_dir, "national-living-wage", day)


# --- Tables of several figures a row (the employer's costs) ------------------------------------
#
# A row holds named figures: a key ending ``_pence`` is a whole number of pence; any other
# figure is an exact decimal written as a whole number or a quoted string ("15", "5.6"), never
# a YAML float, so 0.1 cannot come back as 0.1000000000000000055. ``source`` (the page that
# published the figures) and ``note`` (words for the reader) are text.

TEXT_KEYS = frozenset({"source", "note"})


@dataclass(frozen=True)
class Row:
    applies_from: date
    source: str
    figures: tuple[tuple[str, int | Decimal], ...]
    note: str = ""

    def pence(self, key: str) -> int:
        value = dict(self.figures)[key]
        assert isinstance(value, int), key
        return value

    def number(self, key: str) -> Decimal:
        value = dict(self.figures)[key]
        assert isinstance(value, Decimal), key
        return value


def _figure(path: Path, i: int, key: str, value: Any) -> int | Decimal:
    where = f"{path}: row {i + 1}, {key}"
    if key.endswith("_pence"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise RateTableError(f"{where} must be a whole number of pence")
        return value
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise RateTableError(f'{where} must be a whole number or a quoted decimal like "5.6"')
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise RateTableError(f"{where} must be a number") from None
    if not number.is_finite() or number < 0:
        raise RateTableError(f"{where} must be a number of 0 or more")
    return number


def _load_rows(path: Path) -> tuple[Row, ...]:
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows: list[Row] = []
    keys: set[str] | None = None
    for i, item in enumerate(data.get("rates", []) if isinstance(data, dict) else []):
        if not isinstance(item, dict):
            raise RateTableError(f"{path}: row {i + 1} is not a mapping")
        applies_from, source = item.get("from"), item.get("source")
        if not isinstance(applies_from, date) or not source:
            raise RateTableError(f"{path}: row {i + 1} needs from (a date) and source")
        figures = {
            str(k): _figure(path, i, str(k), v)
            for k, v in item.items()
            if k != "from" and k not in TEXT_KEYS
        }
        # Every row must name the same figures, so a year cannot silently lose one.
        if keys is not None and set(figures) != keys:
            raise RateTableError(f"{path}: row {i + 1} has figures {sorted(figures)}")
        keys = set(figures)
        rows.append(
            Row(
                applies_from, str(source), tuple(sorted(figures.items())), str(item.get("note", ""))
            )
        )
    if not rows:
        raise RateTableError(f"{path}: no rates")
    return tuple(sorted(rows, key=lambda r: r.applies_from))


@cache
def _rows(content_dir: Path, name: str) -> tuple[Row, ...]:
    return _load_rows(content_dir / "rates" / f"{name}.yaml")


def row_on(content_dir: Path, name: str, day: date) -> Row:
    """The row of table ``name`` that applies on ``day``: as ``rate_on``, the latest ``from`` on
    or before the day, so next year's figures, written ahead, apply from their own date."""
    table = _rows(content_dir.resolve(), name)
    current = table[0]
    for row in table:
        if row.applies_from <= day:
            current = row
    return current
