"""`summary(engine, slug, start, end)`, the quarterly return's feedback measures: responses in
the period (both days included) and, per statement anyone answered, the whole-number percent of
those who answered it who agreed."""

from __future__ import annotations

from datetime import date

import pytest

from pafinder.db import make_engine
from pafinder.feedback.store import agree_percent, summary
from pafinder.settings import Settings
from tests.feedback.helpers import add_responses

START, END = date(2026, 7, 1), date(2026, 9, 30)


def test_summary_counts_the_period_only_and_gives_percents(fb_settings: Settings) -> None:
    add = add_responses
    add(fb_settings, "carers", START, {"less-alone": "agree", "time-for-myself": "neither"}, n=2)
    add(fb_settings, "carers", END, {"less-alone": "disagree", "time-for-myself": "agree"})
    add(fb_settings, "carers", date(2026, 8, 1), {}, comment="Only a comment")
    add(fb_settings, "carers", date(2026, 6, 30), {"less-alone": "disagree"}, n=4)  # before
    add(fb_settings, "carers", date(2026, 10, 1), {"less-alone": "disagree"}, n=4)  # after
    add(fb_settings, "mentoring", START, {"listened-to": "agree"}, n=3)  # another service
    engine = make_engine(fb_settings.database_url)
    assert summary(engine, "carers", START, END) == {
        "feedback.responses": 4,
        "feedback.less-alone.agree_percent": 67,  # 2 of 3
        "feedback.time-for-myself.agree_percent": 33,  # 1 of 3
    }
    assert summary(engine, "mentoring", START, END) == {
        "feedback.responses": 3,
        "feedback.listened-to.agree_percent": 100,
    }


def test_no_feedback_is_zero_responses_and_no_percents(fb_settings: Settings) -> None:
    engine = make_engine(fb_settings.database_url)
    assert summary(engine, "carers", START, END) == {"feedback.responses": 0}
    add_responses(fb_settings, "carers", START, {"less-alone": "disagree"})
    assert summary(engine, "carers", START, END) == {
        "feedback.responses": 1,
        "feedback.less-alone.agree_percent": 0,
    }


@pytest.mark.parametrize(
    ("agreed", "answered", "percent"),
    [(0, 1, 0), (1, 1, 100), (1, 8, 13), (5, 8, 63), (2, 3, 67), (1, 3, 33), (149, 200, 75)],
)
def test_percents_are_whole_numbers_with_halves_rounded_up(
    agreed: int, answered: int, percent: int
) -> None:
    assert agree_percent(agreed, answered) == percent
