"""The audit page (issue 9, point 2): people by email, UK times, plain words, links to the
records, filters by staff member, referral and date as GET parameters, paged, and a clear 400
(never a 500) for any bad filter."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from pafinder.app import create_app
from pafinder.db import make_engine
from pafinder.settings import Settings
from pafinder.staff import store
from pafinder.staff.audit_view import ACTION_LABELS, action_label
from tests.conftest import PageClient, add_staff, make_settings, prepare, sign_in

ADMIN = "admin@example.org"
WORKER = "worker@example.org"
REF = "R-ABCD-2345"
CARD = 'class="govuk-summary-card__title"'


@pytest.fixture
def portal(tmp_path: Path) -> Iterator[tuple[Settings, PageClient]]:
    settings = make_settings(tmp_path)
    prepare(settings)
    add_staff(settings, ADMIN, role="admin")
    add_staff(settings, WORKER)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        assert sign_in(client, ADMIN).status_code == 303
        yield settings, client


def staff_id(settings: Settings, email: str) -> int:
    member = store.get_by_email(make_engine(settings.database_url), email)
    assert member is not None
    return member.id


def add_entry(
    settings: Settings,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    detail: dict[str, object] | None = None,
) -> None:
    """An audit row written by the real ``record``, then moved to ``at`` (naive UTC)."""
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        store.record(conn, actor, action, subject_type, subject_id, detail)
        newest = select(func.max(store.audit_log.c.id)).scalar_subquery()
        conn.execute(update(store.audit_log).where(store.audit_log.c.id == newest).values(at=at))


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_entries_name_people_use_uk_time_plain_words_and_links(
    portal: tuple[Settings, PageClient],
) -> None:
    settings, client = portal
    worker = staff_id(settings, WORKER)
    summer = datetime(2026, 7, 1, 12, 30)  # 1:30pm in London (BST)
    add_entry(
        settings,
        summer,
        f"staff:{worker}",
        "referral.status",
        "referral",
        REF,
        {"from": "received", "to": "contacted"},
    )
    add_entry(settings, summer, "system", "pa.reminder_sent", "pa", "PA-XYZ1")
    admin = staff_id(settings, ADMIN)
    add_entry(
        settings,
        summer,
        f"staff:{admin}",
        "referral.assign",
        "referral",
        REF,
        {"from": "", "to": str(worker)},
    )
    add_entry(settings, summer, "anonymous", "staff.sign_in_failed", "staff", str(worker))
    add_entry(settings, summer, "staff:1", "widget.frobbed_twice", "widget", "9")
    add_entry(
        settings,
        summer,
        "cli",
        "staff.created",
        "staff",
        str(worker),
        {"role": "staff", "services": []},
    )

    response = client.get("/staff/audit")
    assert response.status_code == 200
    page = text_of(response.text)
    assert "UK time" in page
    assert "1 July 2026 at 1:30pm" in page
    assert WORKER in page
    assert "Changed referral status" in page
    assert "From: Received" in page and "To: Contacted" in page
    assert f'href="/staff/referrals/{REF}"' in response.text
    assert 'href="/staff/pas/PA-XYZ1"' in response.text
    assert f'href="/staff/accounts/{worker}"' in response.text
    assert "The system (a scheduled job)" in page
    assert "Someone not signed in" in page
    assert "The command line (an operator)" in page
    assert "Failed sign-in (wrong password)" in page
    assert "Widget frobbed twice" in page  # unknown action: its slug in words
    assert "Services: All services" in page
    assert f"From: Nobody To: {WORKER}" in page  # assignees by email
    # No raw actors, slugs or JSON.
    assert "staff:" not in page.replace('value="staff:', "")
    assert "referral.status" not in page
    assert '{"from"' not in response.text and "{&#34;" not in response.text


def test_every_recorded_action_has_words() -> None:
    """Each action the code base records (a literal string passed to ``record``) has a label."""
    source = Path(__file__).resolve().parents[2] / "src" / "pafinder"
    found: set[str] = set()
    pattern = re.compile(
        r'"((?:pa|booking|event|referral|referrals|staff|access|complaint|feedback|newsletter'
        r'|report)\.[a-z_]+)"'
    )
    for path in source.rglob("*.py"):
        # The return's modules name its measures ("referrals.total"), not actions.
        if path.name == "audit_view.py" or (
            path.parent.name == "reports" and path.name in ("returns.py", "layout.py")
        ):
            continue
        found |= set(pattern.findall(path.read_text()))
    # Column references and a quarterly-return key, not actions.
    found -= {"staff.id", "referrals.id", "feedback.responses"}
    missing = sorted(a for a in found if a not in ACTION_LABELS)
    assert not missing, f"add words for {missing} to ACTION_LABELS"
    assert action_label("referral.viewed") == "Viewed referral"


def test_filters_by_staff_member_referral_and_uk_date(
    portal: tuple[Settings, PageClient],
) -> None:
    settings, client = portal
    worker, admin = staff_id(settings, WORKER), staff_id(settings, ADMIN)
    # 22:30 UTC on 1 July is 11:30pm on 1 July in London; 23:30 UTC is 12:30am on 2 July.
    add_entry(
        settings,
        datetime(2026, 7, 1, 22, 30),
        f"staff:{worker}",
        "referral.viewed",
        "referral",
        REF,
    )
    add_entry(
        settings,
        datetime(2026, 7, 1, 23, 30),
        f"staff:{worker}",
        "referral.note",
        "referral",
        REF,
        {"from": "", "to": "", "note_length": 12},
    )
    add_entry(
        settings,
        datetime(2026, 7, 2, 9, 0),
        f"staff:{admin}",
        "referral.viewed",
        "referral",
        "R-ZZZZ-2222",
    )

    def count(query: str) -> int:
        response = client.get("/staff/audit?" + query)
        assert response.status_code == 200, response.text
        match = re.search(r'id="audit-count">\s*(No|\d+) entr', response.text)
        assert match
        return 0 if match.group(1) == "No" else int(match.group(1))

    assert count(f"who=staff:{worker}") == 2
    assert count(f"referral={REF}") == 2
    assert count(f"referral={REF.lower()}") == 2  # typed in lower case
    assert count("referral=R-ZZZZ-2222") == 1
    july2 = "from-day=2&from-month=7&from-year=2026&to-day=2&to-month=7&to-year=2026"
    assert count(july2) == 2  # 12:30am and 10am on 2 July, UK time
    assert count(july2 + f"&who=staff:{worker}&referral={REF}") == 1
    assert count("to-day=1&to-month=7&to-year=2026") == 1  # up to the end of 1 July
    assert count("who=public") == 0
    # The filter form keeps what was asked for.
    response = client.get("/staff/audit?" + july2 + f"&who=staff:{worker}")
    assert f'value="staff:{worker}" selected' in response.text
    assert 'name="from-year" type="text" value="2026"' in response.text or (
        'value="2026"' in response.text
    )


def test_paged_fifty_at_a_time_keeping_the_filters(portal: tuple[Settings, PageClient]) -> None:
    settings, client = portal
    engine = make_engine(settings.database_url)
    with engine.begin() as conn:
        for n in range(120):
            store.record(conn, "cli", "pa.reminder_sent", "pa", f"PA-{n:04d}")
    first = client.get("/staff/audit?who=cli")
    assert first.status_code == 200
    assert first.text.count(CARD) == 50
    assert "120 entries match" in first.text
    assert 'href="/staff/audit?who=cli&amp;page=2"' in first.text
    assert "govuk-pagination" in first.text
    third = client.get("/staff/audit?who=cli&page=3")
    assert third.text.count(CARD) == 20
    assert "Showing 101 to 120" in text_of(third.text)
    assert "PA-0000" in third.text and "PA-0119" not in third.text  # newest first
    past_end = client.get("/staff/audit?who=cli&page=99")
    assert past_end.status_code == 200
    assert "Showing 101 to 120" in text_of(past_end.text)


BAD = [
    ("who=staff:99999", "who", "Choose a staff member from the list"),
    ("who=staff:abc", "who", "Choose a staff member from the list"),
    ("who=staff:%C2%B2", "who", "Choose a staff member from the list"),
    ("who=root", "who", "Choose a staff member from the list"),
    ("who=system&who=cli", "who", "Enter only one value"),
    ("referral=%3Cscript%3E", "referral", "Enter a referral reference like R-ABCD-2345"),
    ("referral=" + "R" * 5000, "referral", "Enter a referral reference"),
    ("from-day=31&from-month=2&from-year=2026", "from-day", "Date from must be a real date"),
    ("from-day=1&from-month=1&from-year=1999", "from-day", "between 2000 and 2100"),
    ("from-day=1&from-month=1&from-year=99999", "from-year", "must be a real date"),
    ("from-day=1&from-month=1&from-year=26", "from-year", "the year must have 4 numbers"),
    ("from-day=1", "from-month", "Date from must include a month and a year"),
    ("to-day=x&to-month=1&to-year=2026", "to-day", "Date to must be a real date"),
    ("to-day=%D9%A1&to-month=1&to-year=2026", "to-day", "Date to must be a real date"),
    (
        "from-day=2&from-month=7&from-year=2026&to-day=1&to-month=7&to-year=2026",
        "to-day",
        "Date to must be the same as or after date from",
    ),
    ("page=0", "page", "The page number must be a whole number"),
    ("page=-1", "page", "The page number must be a whole number"),
    ("page=99999999999", "page", "The page number must be a whole number"),
    ("page=1&page=2", "page", "Enter only one value"),
]


@pytest.mark.parametrize(("query", "target", "message"), BAD)
def test_bad_filters_are_a_400_with_an_error_summary(
    portal: tuple[Settings, PageClient], query: str, target: str, message: str
) -> None:
    _, client = portal
    response = client.get("/staff/audit?" + query)
    assert response.status_code == 400
    assert "govuk-error-summary" in response.text
    assert f'href="#{target}"' in response.text
    assert message in response.text
    assert "<title>Error: Audit log" in response.text
    if "script" in query:  # typed text is re-shown escaped
        assert 'value="&lt;script&gt;"' in response.text


def test_only_admins_see_the_audit_page(portal: tuple[Settings, PageClient]) -> None:
    settings, _ = portal
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as other:
        assert other.get("/staff/audit", follow_redirects=False).status_code == 303
        assert sign_in(other, WORKER).status_code == 303
        assert other.get("/staff/audit?who=system").status_code == 403
