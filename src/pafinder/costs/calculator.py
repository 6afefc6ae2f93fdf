"""The yearly cost of employing a PA, worked out in whole pence from the dated rate tables.

Pure functions: no request, no clock. Money is integer pence and every fraction is a Decimal, so
no figure passes through a float. Each line is rounded to the penny once, where it is made:
employer's National Insurance as HMRC rounds it (to the nearest penny, half a penny or less
disregarded: Social Security (Contributions) Regulations 2001, regulation 12), every other line
to the nearest penny with a half penny rounded up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_DOWN, ROUND_HALF_UP, Decimal
from enum import Enum
from pathlib import Path

from pafinder.rates import Rate, Row, national_living_wage, row_on

# Holiday is worked out over a 52-week year: 46.4 weeks' work and 5.6 weeks' paid holiday.
YEAR_WEEKS = Decimal(52)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Rates:
    """Every figure the calculator uses for one day, each with its date and source."""

    day: date
    living_wage: Rate
    national_insurance: Row
    pension: Row
    holiday: Row
    insurance: Row

    @property
    def holiday_weeks(self) -> Decimal:
        return self.holiday.number("weeks")

    @property
    def most_weeks(self) -> Decimal:
        """The most weeks a year a PA can work with their full holiday on top (46.4)."""
        return YEAR_WEEKS - self.holiday_weeks

    @property
    def tax_year(self) -> int:
        """The year the tax year of these rates starts (2026 for 2026 to 2027)."""
        start = self.national_insurance.applies_from
        return start.year if start >= date(start.year, 4, 6) else start.year - 1

    @property
    def out_of_date(self) -> bool:
        """True once a tax year has started that the tables have no row for yet."""
        return self.day >= date(self.tax_year + 1, 4, 6)


def rates_on(content_dir: Path, day: date) -> Rates:
    return Rates(
        day=day,
        living_wage=national_living_wage(content_dir, day),
        national_insurance=row_on(content_dir, "employer-national-insurance", day),
        pension=row_on(content_dir, "workplace-pension", day),
        holiday=row_on(content_dir, "holiday-entitlement", day),
        insurance=row_on(content_dir, "employers-liability-insurance", day),
    )


@dataclass(frozen=True)
class Inputs:
    hours_per_week: Decimal
    pay_pence: int  # an hour
    weeks_worked: Decimal  # a year, not counting paid holiday


class Pension(Enum):
    MUST = "must"  # over the earnings trigger: enrol them and pay in
    IF_THEY_JOIN = "if_they_join"  # over the lower limit: pay in if they ask to join
    NONE = "none"  # at or under the lower limit: they may join, you need not pay in


@dataclass(frozen=True)
class Cost:
    inputs: Inputs
    rates: Rates
    pay: int
    holiday_pay: int
    earnings: int  # pay and holiday pay: what National Insurance and the pension are on
    national_insurance: int  # before the Employment Allowance
    allowance: int  # what the Employment Allowance takes off (at most its cap)
    pension_status: Pension
    qualifying_earnings: int
    pension_contribution: int  # 3% of qualifying earnings, whatever the status
    insurance: int
    below_living_wage: bool

    @property
    def pension_due(self) -> int:
        """What the law makes you pay into the pension (0 unless the PA is enrolled)."""
        return self.pension_contribution if self.pension_status is Pension.MUST else 0

    @property
    def national_insurance_with_allowance(self) -> int:
        return self.national_insurance - self.allowance

    @property
    def total_without_allowance(self) -> int:
        return (
            self.pay
            + self.holiday_pay
            + self.national_insurance
            + self.pension_due
            + self.insurance
        )

    @property
    def total(self) -> int:
        """The year's cost when you claim the Employment Allowance (care and support
        employers can)."""
        return self.total_without_allowance - self.allowance

    @property
    def total_week(self) -> int:
        return weekly(self.total)

    @property
    def total_without_allowance_week(self) -> int:
        return weekly(self.total_without_allowance)


def pence(amount: Decimal) -> int:
    """To the nearest penny, a half penny up."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def weekly(yearly: int) -> int:
    return pence(Decimal(yearly) / YEAR_WEEKS)


def holiday_pay(pay: Decimal, holiday_weeks: Decimal) -> int:
    """5.6 weeks' pay for a full year's work (46.4 weeks), in proportion for fewer weeks: the
    12.07% a part-year worker builds up (5.6 / 46.4 = 0.1206896...). ``pay`` is the unrounded
    pay for the weeks worked, so the holiday is worked out from the exact figure."""
    return pence(pay * holiday_weeks / (YEAR_WEEKS - holiday_weeks))


def employer_national_insurance(earnings: int, row: Row) -> int:
    """The employer's rate on the year's earnings above the secondary threshold; HMRC's
    rounding: to the nearest penny, half a penny or less disregarded."""
    above = max(0, earnings - row.pence("secondary_threshold_pence"))
    amount = Decimal(above) * row.number("percent") / HUNDRED
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_DOWN))


def employment_allowance(national_insurance: int, row: Row) -> int:
    """What the allowance takes off: all of the National Insurance, up to its yearly cap."""
    return min(national_insurance, row.pence("employment_allowance_pence"))


def qualifying_earnings(earnings: int, row: Row) -> int:
    """The part of earnings more than the lower limit and not more than the upper limit."""
    lower, upper = row.pence("qualifying_lower_pence"), row.pence("qualifying_upper_pence")
    return max(0, min(earnings, upper) - lower)


def pension_status(earnings: int, row: Row) -> Pension:
    if earnings > row.pence("earnings_trigger_pence"):
        return Pension.MUST
    if earnings > row.pence("qualifying_lower_pence"):
        return Pension.IF_THEY_JOIN
    return Pension.NONE


def pension_contribution(earnings: int, row: Row) -> int:
    return pence(
        Decimal(qualifying_earnings(earnings, row)) * row.number("employer_percent") / HUNDRED
    )


def cost(inputs: Inputs, rates: Rates) -> Cost:
    exact_pay = inputs.hours_per_week * inputs.pay_pence * inputs.weeks_worked
    pay = pence(exact_pay)
    holiday = holiday_pay(exact_pay, rates.holiday_weeks)
    earnings = pay + holiday
    ni = employer_national_insurance(earnings, rates.national_insurance)
    return Cost(
        inputs=inputs,
        rates=rates,
        pay=pay,
        holiday_pay=holiday,
        earnings=earnings,
        national_insurance=ni,
        allowance=employment_allowance(ni, rates.national_insurance),
        pension_status=pension_status(earnings, rates.pension),
        qualifying_earnings=qualifying_earnings(earnings, rates.pension),
        pension_contribution=pension_contribution(earnings, rates.pension),
        insurance=rates.insurance.pence("estimate_pence"),
        below_living_wage=inputs.pay_pence < rates.living_wage.pence,
    )


def money(amount: int) -> str:
    """'£1,234.56'; whole pounds keep their pence ('£90.00') so a column lines up."""
    sign = "-" if amount < 0 else ""
    pounds, pennies = divmod(abs(amount), 100)
    return f"{sign}£{pounds:,}.{pennies:02d}"


def pounds(amount: int) -> str:
    """A threshold or cap in words: '£5,000' when it is whole pounds, as GOV.UK writes it."""
    shown = money(amount)
    return shown.removesuffix(".00")
