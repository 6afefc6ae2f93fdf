"""Dated rate tables from content/rates/: the legal minimum pay and, later, the employer's costs.

Each table lists rates with the date each applies from and the page that published it; the rate
for a day is the one with the latest ``from`` on or before it, so a table written ahead (April's
new rate announced in November) starts applying on its own date with no release.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
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
