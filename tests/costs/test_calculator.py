"""The calculator's figures against hand-worked examples, at and around every threshold.

Every example works in whole pence and says its arithmetic. The rates are the 2026-27 ones from
content/rates/ (read through the same functions the page uses), so a changed table fails here
until its examples are worked again.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pafinder.costs import calculator
from pafinder.costs.calculator import Inputs, Pension, cost, rates_on
from tests.conftest import REAL_CONTENT

# What a database changes is not what these check: the PostgreSQL run leaves them out.
pytestmark = pytest.mark.database_independent

DAY = date(2026, 12, 1)  # the 2026 to 2027 tax year
RATES = rates_on(REAL_CONTENT, DAY)
NI = RATES.national_insurance
PENSION = RATES.pension


def test_the_2026_27_rates_are_the_verified_ones() -> None:
    assert RATES.living_wage.pence == 1271  # £12.71 from 1 April 2026
    assert NI.number("percent") == Decimal("15")
    assert NI.pence("secondary_threshold_pence") == 500000  # £5,000 a year
    assert NI.pence("employment_allowance_pence") == 1050000  # £10,500
    assert PENSION.pence("earnings_trigger_pence") == 1000000  # £10,000
    assert PENSION.pence("qualifying_lower_pence") == 624000  # £6,240
    assert PENSION.pence("qualifying_upper_pence") == 5027000  # £50,270
    assert PENSION.number("employer_percent") == Decimal("3")
    assert RATES.holiday_weeks == Decimal("5.6") and RATES.most_weeks == Decimal("46.4")
    assert RATES.tax_year == 2026 and not RATES.out_of_date
    for row in (NI, PENSION, RATES.holiday, RATES.insurance):
        assert row.source.startswith("https://www.gov.uk/")
    assert RATES.living_wage.source.startswith("https://www.gov.uk/")


def test_a_typical_pa_worked_by_hand() -> None:
    result = cost(Inputs(Decimal(20), 1271, Decimal("46.4")), RATES)
    # pay: 20 h x £12.71 = £254.20 a week; x 46.4 weeks = £11,794.88
    assert result.pay == 1179488
    # holiday: 5.6 weeks of £254.20 = £1,423.52 (a full year: 46.4 weeks' work)
    assert result.holiday_pay == 142352
    # earnings £13,218.40; NI: 15% of (£13,218.40 - £5,000 = £8,218.40) = £1,232.76
    assert result.earnings == 1321840
    assert result.national_insurance == 123276
    # all of it under the £10,500 allowance
    assert result.allowance == 123276 and result.national_insurance_with_allowance == 0
    # pension: over £10,000 so enrolled; 3% of (£13,218.40 - £6,240 = £6,978.40) = £209.352
    assert result.pension_status is Pension.MUST
    assert result.qualifying_earnings == 697840 and result.pension_due == 20935
    assert result.insurance == 9000  # the £90 estimate
    # totals: 11,794.88 + 1,423.52 + 209.35 + 90.00 = £13,517.75 with the allowance,
    # + £1,232.76 = £14,750.51 without it; a week: /52 = £259.956.. and £283.663..
    assert result.total == 1351775 and result.total_without_allowance == 1475051
    assert result.total_week == 25996 and result.total_without_allowance_week == 28366
    assert not result.below_living_wage


def test_holiday_pay_for_part_of_the_year_is_in_proportion() -> None:
    # 10 h x £13.00 x 23.2 weeks (half of 46.4) = £3,016.00; holiday 5.6/46.4 of it:
    # £3,016.00 x 7/58 = £364.00 (2.8 weeks of £130.00)
    result = cost(Inputs(Decimal(10), 1300, Decimal("23.2")), RATES)
    assert result.pay == 301600 and result.holiday_pay == 36400


# --- employer's National Insurance at the £5,000 secondary threshold ---------------------------


@pytest.mark.parametrize(
    ("earnings", "expected"),
    [
        (0, 0),
        (499999, 0),  # £4,999.99: under the threshold
        (500000, 0),  # exactly £5,000: nothing above it
        (500001, 0),  # 1p above: 15% of 1p = 0.15p, rounds to 0
        (500003, 0),  # 3p above: 0.45p, under half a penny
        (500004, 1),  # 4p above: 0.6p rounds up to 1p
        # 10p above: exactly 1.5p. HMRC disregards half a penny or less: 1p, not 2p
        (500010, 1),
        (500011, 2),  # 1.65p: 2p
        (600000, 15000),  # £1,000 above: £150.00
    ],
)
def test_national_insurance_around_the_secondary_threshold(earnings: int, expected: int) -> None:
    assert calculator.employer_national_insurance(earnings, NI) == expected


# --- the Employment Allowance's £10,500 cap ----------------------------------------------------
# NI reaches £10,500 when 15% of (earnings - £5,000) = £10,500: earnings of £75,000.


@pytest.mark.parametrize(
    ("earnings", "ni", "allowance"),
    [
        # £74,999.90: 15% of £69,999.90 = £10,499.985, half a penny disregarded: £10,499.98,
        # all of it taken off
        (7499990, 1049998, 1049998),
        (7500000, 1050000, 1050000),  # £75,000: NI exactly £10,500, all of it taken off
        (7500100, 1050015, 1050000),  # £75,001: NI £10,500.15, the allowance stops at £10,500
        (10000000, 1425000, 1050000),  # £100,000: NI £14,250, you still pay £3,750
    ],
)
def test_employment_allowance_at_its_cap(earnings: int, ni: int, allowance: int) -> None:
    got = calculator.employer_national_insurance(earnings, NI)
    assert got == ni
    assert calculator.employment_allowance(got, NI) == allowance


def test_a_big_pay_bill_goes_over_the_allowance_end_to_end() -> None:
    # 60 h x £30.00 = £1,800 a week; x 46.4 = £83,520.00; holiday 5.6 x £1,800 = £10,080.00
    # earnings £93,600.00; NI 15% of £88,600.00 = £13,290.00; allowance £10,500; pay £2,790
    result = cost(Inputs(Decimal(60), 3000, Decimal("46.4")), RATES)
    assert (result.pay, result.holiday_pay) == (8352000, 1008000)
    assert result.national_insurance == 1329000
    assert result.allowance == 1050000 and result.national_insurance_with_allowance == 279000
    # pension on the band only: 3% of (£50,270 - £6,240 = £44,030) = £1,320.90
    assert result.qualifying_earnings == 4403000 and result.pension_due == 132090
    # total: 83,520 + 10,080 + 13,290 + 1,320.90 + 90 - 10,500 = £97,800.90
    assert result.total == 9780090
    assert result.total_without_allowance == 10830090


# --- the pension's earnings trigger and qualifying earnings band -------------------------------


@pytest.mark.parametrize(
    ("earnings", "status", "qualifying", "contribution"),
    [
        (623999, Pension.NONE, 0, 0),  # £6,239.99: under the lower limit
        (624000, Pension.NONE, 0, 0),  # exactly £6,240: nothing more than the lower limit
        (624001, Pension.IF_THEY_JOIN, 1, 0),  # 1p over: 3% of 1p = 0.03p, rounds to 0
        (624017, Pension.IF_THEY_JOIN, 17, 1),  # 17p over: 0.51p rounds to 1p
        # exactly £10,000 is not MORE than the trigger: not enrolled, may join;
        # 3% of (£10,000 - £6,240 = £3,760) = £112.80
        (1000000, Pension.IF_THEY_JOIN, 376000, 11280),
        (1000001, Pension.MUST, 376001, 11280),  # 1p more: enrolled; 11,280.03p -> £112.80
        # the upper limit: 3% of (£50,270 - £6,240 = £44,030) = £1,320.90
        (5026999, Pension.MUST, 4402999, 132090),  # 132,089.97p -> £1,320.90
        (5027000, Pension.MUST, 4403000, 132090),
        (5027001, Pension.MUST, 4403000, 132090),  # nothing above the upper limit counts
        (9000000, Pension.MUST, 4403000, 132090),
    ],
)
def test_pension_at_the_trigger_and_the_band(
    earnings: int, status: Pension, qualifying: int, contribution: int
) -> None:
    assert calculator.pension_status(earnings, PENSION) is status
    assert calculator.qualifying_earnings(earnings, PENSION) == qualifying
    assert calculator.pension_contribution(earnings, PENSION) == contribution


def test_only_an_enrolled_pa_s_pension_is_in_the_total() -> None:
    # 10 h x £12.71 x 46.4 = £5,897.44; holiday 5.6 x £127.10 = £711.76; earnings £6,609.20:
    # over £6,240, not over £10,000: they may join (3% of £369.20 = £11.076 -> £11.08)
    result = cost(Inputs(Decimal(10), 1271, Decimal("46.4")), RATES)
    assert result.earnings == 660920
    assert result.pension_status is Pension.IF_THEY_JOIN
    assert result.pension_contribution == 1108 and result.pension_due == 0
    # NI: 15% of £1,609.20 = £241.38, all taken off by the allowance
    assert result.national_insurance == 24138 and result.allowance == 24138
    assert result.total == 589744 + 71176 + 9000  # pay + holiday + insurance = £6,699.20


# --- the National Living Wage warning ------------------------------------------------------------


@pytest.mark.parametrize(("pay", "below"), [(1270, True), (1271, False), (1272, False)])
def test_the_living_wage_warning_at_the_boundary(pay: int, below: bool) -> None:
    assert cost(Inputs(Decimal(1), pay, Decimal(1)), RATES).below_living_wage is below


def test_last_year_s_living_wage_applied_until_1_april() -> None:
    assert calculator.rates_on(REAL_CONTENT, date(2026, 3, 31)).living_wage.pence == 1221
    before = calculator.rates_on(REAL_CONTENT, date(2026, 3, 31))
    assert cost(Inputs(Decimal(1), 1221, Decimal(1)), before).below_living_wage is False
    after = calculator.rates_on(REAL_CONTENT, date(2026, 4, 1))
    assert cost(Inputs(Decimal(1), 1221, Decimal(1)), after).below_living_wage is True


# --- pence exactness ---------------------------------------------------------------------------


def test_pence_are_exact_where_a_float_would_drift() -> None:
    # 37.5 h x £12.71 = £476.625 a week: pay for 46.4 weeks = £22,115.40 exactly (no rounding
    # of the week first); holiday 5.6 x £476.625 = £2,669.10 exactly
    result = cost(Inputs(Decimal("37.5"), 1271, Decimal("46.4")), RATES)
    assert result.pay == 2211540 and result.holiday_pay == 266910
    # 0.1 h x £0.01 x 1 week = 0.1p: rounds to 0p (and a float sum of tenths never enters)
    tiny = cost(Inputs(Decimal("0.1"), 1, Decimal(1)), RATES)
    assert tiny.pay == 0 and tiny.holiday_pay == 0
    # 0.5p rounds up: 0.5 h x 1p x 1 week
    assert cost(Inputs(Decimal("0.5"), 1, Decimal(1)), RATES).pay == 1
    assert isinstance(result.total, int) and isinstance(result.total_week, int)


def test_money_is_shown_in_pounds_and_pence() -> None:
    assert calculator.money(0) == "£0.00"
    assert calculator.money(9000) == "£90.00"
    assert calculator.money(1351775) == "£13,517.75"
    assert calculator.money(-123276) == "-£1,232.76"
    assert calculator.pounds(500000) == "£5,000"  # thresholds in words, as GOV.UK writes them
    assert calculator.pounds(1271) == "£12.71"
