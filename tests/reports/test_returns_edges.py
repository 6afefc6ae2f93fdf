"""Two readings of the returns' words, pinned down:
- "refused in the period" counts referrals: one refused, reopened and refused again in the
  same quarter is one refusal, under the reason it was last refused for;
- "sessions" are dates that ran: a series cancelled after some of its dates were held keeps
  the dates people were marked as attending, and a cancelled event nobody came to has none."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pafinder.db import make_engine
from pafinder.events import store as events_store
from pafinder.reports import returns
from tests.events.conftest import event_input
from tests.reports import helpers
from tests.reports.helpers import Referrals, Spec, at

Q1 = (date(2026, 4, 1), date(2026, 6, 30))


def test_a_referral_refused_twice_in_a_quarter_is_one_refusal(tmp_path: Path) -> None:
    settings = helpers.portal(tmp_path)
    maker = Referrals(settings)
    twice = Spec(
        at("2026-04-02"),
        "self",
        "DE1 1AA",
        "",
        "on_time",
        (
            (at("2026-04-10"), "refused", "declined"),
            (at("2026-04-20"), "active", ""),
            (at("2026-05-01"), "refused", "not_eligible"),
        ),
    )
    maker.make("carers", twice)
    built = returns.build(
        make_engine(settings.database_url), helpers.service(settings, "carers"), *Q1, raw=True
    )
    refused = {k: v for k, v in built.measures.items() if k.startswith("referrals.refused.")}
    assert refused == {
        "referrals.refused.unmanageable_risk": 0,
        "referrals.refused.declined": 0,
        "referrals.refused.not_eligible": 1,
        "referrals.refused.needs_cannot_be_met": 0,
    }
    assert built.measures["referrals.refused_total"] == 1


def test_a_series_cancelled_after_it_ran_keeps_the_dates_people_came_to(tmp_path: Path) -> None:
    settings = helpers.portal(tmp_path)
    engine = make_engine(settings.database_url)
    group = events_store.create_event(
        engine,
        event_input(
            title="Ran, then stopped",
            kind="support-group",
            start_date=date(2026, 4, 7),
            repeat="weekly",
            repeat_count=4,
            capacity=None,
        ),
        "test",
    )
    helpers._attend(engine, group, date(2026, 4, 7), {"Ann": "attended"})
    helpers._attend(engine, group, date(2026, 4, 14), {"Bob": "attended", "Cat": "attended"})
    events_store.set_status(engine, group, "cancelled", "test")
    never = events_store.create_event(
        engine,
        event_input(
            title="Never ran",
            kind="workshop",
            start_date=date(2026, 5, 6),
            repeat="none",
            capacity=None,
        ),
        "test",
    )
    events_store.set_status(engine, never, "cancelled", "test")
    built = returns.build(engine, helpers.service(settings, "carers"), *Q1, raw=True)
    assert built.measures["events.sessions"] == 2  # 7 and 14 April; 21 and 28 never ran
    assert built.measures["events_by_kind.support-group.sessions"] == 2
    assert built.measures["events_by_kind.workshop.sessions"] == 0
    assert built.measures["events.attendances"] == 3
