"""The dated tables of content/rates/: when a date passes the next row applies, and a table
that could mislead (a float, a missing figure, no source) is refused when it is read."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pafinder.costs.calculator import rates_on
from pafinder.rates import RateTableError, national_living_wage, rate_on, row_on
from tests.conftest import REAL_CONTENT

# What a database changes is not what these check: the PostgreSQL run leaves them out.
pytestmark = pytest.mark.database_independent


def test_a_new_tax_year_starts_on_6_april() -> None:
    on_5th = row_on(REAL_CONTENT, "employer-national-insurance", date(2025, 4, 5))
    on_6th = row_on(REAL_CONTENT, "employer-national-insurance", date(2025, 4, 6))
    assert on_5th.number("percent") == Decimal("13.8")
    assert on_5th.pence("secondary_threshold_pence") == 910000
    assert on_5th.pence("employment_allowance_pence") == 500000
    assert on_6th.number("percent") == Decimal("15")
    assert on_6th.pence("secondary_threshold_pence") == 500000
    assert on_6th.pence("employment_allowance_pence") == 1050000
    assert rates_on(REAL_CONTENT, date(2026, 4, 5)).tax_year == 2025
    assert rates_on(REAL_CONTENT, date(2026, 4, 6)).tax_year == 2026


def test_the_living_wage_changes_on_1_april_and_rate_on_still_works() -> None:
    assert national_living_wage(REAL_CONTENT, date(2025, 3, 31)).pence == 1144
    assert national_living_wage(REAL_CONTENT, date(2025, 4, 1)).pence == 1221
    assert national_living_wage(REAL_CONTENT, date(2026, 4, 1)).pence == 1271
    assert rate_on(REAL_CONTENT, "national-living-wage", date(2026, 12, 1)).pence == 1271


def test_the_page_says_when_a_tax_year_has_no_row_yet() -> None:
    assert not rates_on(REAL_CONTENT, date(2027, 4, 5)).out_of_date
    later = rates_on(REAL_CONTENT, date(2027, 4, 6))
    assert later.out_of_date and later.tax_year == 2026  # the last rates, said to be old


def _table(tmp_path: Path, body: str) -> Path:
    (tmp_path / "rates").mkdir()
    (tmp_path / "rates" / "t.yaml").write_text(body, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "body",
    [
        "rates: []\n",
        "rates:\n  - from: 2026-04-06\n    percent: 0.15\n    source: https://www.gov.uk/x\n",
        "rates:\n  - from: 2026-04-06\n    a_pence: 12.5\n    source: https://www.gov.uk/x\n",
        "rates:\n  - from: 2026-04-06\n    a_pence: -1\n    source: https://www.gov.uk/x\n",
        'rates:\n  - from: 2026-04-06\n    percent: "x"\n    source: https://www.gov.uk/x\n',
        'rates:\n  - from: 2026-04-06\n    percent: "15"\n',
        'rates:\n  - from: soon\n    percent: "15"\n    source: https://www.gov.uk/x\n',
        'rates:\n  - from: 2025-04-06\n    percent: "15"\n    source: https://www.gov.uk/x\n'
        "  - from: 2026-04-06\n    source: https://www.gov.uk/x\n",
    ],
)
def test_a_misleading_table_is_refused(tmp_path: Path, body: str) -> None:
    with pytest.raises(RateTableError):
        row_on(_table(tmp_path, body), "t", date(2026, 12, 1))
