"""/events a month at a time (issue 11, point 7): GOV.UK pagination between months, a heading
per day, filter counts that tell the truth, GOV.UK date inputs beside the old ISO `from`/`to`,
each series' own calendar file, "1 date matches", and no 500 for any query."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest

from pafinder.content import load_content
from pafinder.db import make_engine
from pafinder.events.listing import next_month
from pafinder.events.publish import publish
from pafinder.settings import Settings
from tests.conftest import PageClient
from tests.events.conftest import add_event, london_today


def republish(settings: Settings) -> None:
    publish(make_engine(settings.database_url), settings, load_content(settings.content_dir))


def results(html: str) -> str:
    match = re.search(r'id="results">([^<]*)</h2>', html)
    assert match, "no results heading"
    return match[1].strip()


def day_headings(html: str) -> list[str]:
    return re.findall(r'app-event-day">([^<]*)</h3>', html)


def month_heading(html: str) -> str:
    match = re.search(r'app-event-month">([^<]*)</h2>', html)
    return match[1] if match else ""


def link(html: str, rel: str) -> str | None:
    match = re.search(rf'href="([^"]*)" rel="{rel}"', html)
    return unescape(match[1]) if match else None


def options(html: str, select: str) -> dict[str, str]:
    block = html.split(f'id="{select}" name="{select}"', 1)[1].split("</select>", 1)[0]
    return {v: t.strip() for v, t in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)<', block)}


def test_one_month_at_a_time_with_a_heading_per_day_and_previous_next(
    esettings: Settings, eclient: PageClient
) -> None:
    today = london_today()
    add_event(esettings, start_date=today + timedelta(days=1), repeat="weekly")
    republish(esettings)

    first = eclient.get("/events")
    assert first.status_code == 200
    assert first.headers["cache-control"] == "public, max-age=60"  # the pre-rendered page
    this_month = today.replace(day=1)
    assert month_heading(first.text) == f"{this_month:%B %Y}"
    days = day_headings(first.text)
    # One heading per day, every one in this month, in order, none repeated.
    assert days and len(days) == len(set(days))
    assert all(f"{this_month:%B %Y}" in d for d in days)
    assert link(first.text, "prev") is None

    seen = [this_month]
    page = first
    while (href := link(page.text, "next")) is not None:
        page = eclient.get(href)
        assert page.status_code == 200, href
        seen.append(next_month(seen[-1]))
        assert month_heading(page.text) == f"{seen[-1]:%B %Y}", href
        assert all(f"{seen[-1]:%B %Y}" in d for d in day_headings(page.text))
        assert link(page.text, "prev") == (
            f"/events?month={seen[-2]:%Y-%m}" if len(seen) > 1 else None
        )
    # The next 3 months reach into the fourth calendar month at most.
    assert len(seen) in (4, 5)
    total = sum(len(day_headings(eclient.get(f"/events?month={m:%Y-%m}").text)) for m in seen)
    assert results(first.text) == f"{total} dates match"

    # The dynamic first month is the same listing as the static one.
    dynamic = eclient.get(f"/events?month={this_month:%Y-%m}")
    assert dynamic.headers["cache-control"] == "public, max-age=60"
    assert day_headings(dynamic.text) == days
    # A month outside the window shows the nearest one; a mangled one the first.
    assert month_heading(eclient.get("/events?month=2099-01").text) == f"{seen[-1]:%B %Y}"
    assert month_heading(eclient.get("/events?month=2001-01").text) == f"{this_month:%B %Y}"
    assert month_heading(eclient.get("/events?month=12-2026").text) == f"{this_month:%B %Y}"


def test_the_count_says_date_matches_in_the_singular(
    esettings: Settings, eclient: PageClient
) -> None:
    soon = london_today() + timedelta(days=3)
    add_event(esettings, title="Crewe workshop", repeat="none", start_date=soon)
    add_event(esettings, title="Second workshop", repeat="none", start_date=soon, kind="course")
    republish(esettings)
    assert results(eclient.get("/events").text) == "2 dates match"
    assert results(eclient.get("/events?kind=course").text) == "1 date matches"
    empty = eclient.get("/events?kind=training")
    assert results(empty.text) == "No dates match"
    assert "Try fewer filters" in empty.text


def test_each_filter_value_says_how_many_dates_choosing_it_gives(
    esettings: Settings, eclient: PageClient
) -> None:
    soon = london_today() + timedelta(days=2)
    add_event(esettings, start_date=soon)  # weekly, carers, Normanton, in person
    add_event(
        esettings,
        title="Crewe workshop",
        kind="workshop",
        service="direct-payment-support",
        area="crewe",
        repeat="fortnightly",
        start_date=soon + timedelta(days=5),
    )
    add_event(
        esettings,
        title="Online course",
        kind="course",
        service="carers",
        format="online",
        area="",
        joining_details="https://meet.example.org/x",
        repeat="none",
        start_date=soon + timedelta(days=1),
    )
    republish(esettings)

    for query in ("", "service=carers", "area=crewe", "kind=course&format=online"):
        page = eclient.get(f"/events?{query}").text
        for select in ("service", "kind", "area", "format"):
            for value, text in options(page, select).items():
                shown = int(re.fullmatch(r".*\(([0-9]+)\)", text)[1])  # type: ignore[index]
                # Choosing the value, other filters kept, gives exactly that many dates.
                params = dict(p.split("=") for p in query.split("&") if p)
                params[select] = value
                chosen = eclient.get("/events", params=params).text
                words = results(chosen)
                expected = {0: "No dates match", 1: "1 date matches"}.get(
                    shown, f"{shown} dates match"
                )
                assert words == expected, (query, select, value, text)


def test_dates_as_govuk_date_inputs_and_the_iso_parameters_still_work(
    esettings: Settings, eclient: PageClient
) -> None:
    soon = london_today() + timedelta(days=2)
    add_event(esettings, title="Crewe workshop", repeat="none", start_date=soon + timedelta(40))
    add_event(esettings, title="Early workshop", repeat="none", start_date=soon)
    republish(esettings)
    start = soon + timedelta(days=30)
    parts = {"from-day": start.day, "from-month": start.month, "from-year": start.year}
    typed = eclient.get("/events", params=parts)
    iso = eclient.get(f"/events?from={start.isoformat()}")
    for page in (typed, iso):
        assert page.status_code == 200
        assert "Crewe workshop" in page.text and "Early workshop" not in page.text
        assert results(page.text) == "1 date matches"
        # The date input shows the date either way, so the next search keeps it.
        assert f'name="from-day" type="text" value="{start.day}"' in page.text
        assert f'name="from-year" type="text" value="{start.year}"' in page.text
        assert 'type="date"' not in page.text  # no native picker
    # Paging links carry the filters in the ISO form.
    assert f"from={start.isoformat()}" in (link(typed.text, "next") or f"from={start}")

    bad = eclient.get("/events", params={"from-day": "31", "from-month": "2", "from-year": "x"})
    assert bad.status_code == 400
    assert 'class="govuk-error-summary' in bad.text and 'href="#from"' in bad.text
    assert "Enter a real date between 2000 and 2100" in bad.text
    assert 'name="from-day" type="text" value="31"' in bad.text  # kept as typed
    assert 'name="from-year" type="text" value="x"' in bad.text
    half = eclient.get("/events", params={"to-day": "3", "to-month": "", "to-year": "2027"})
    assert half.status_code == 400 and 'href="#to"' in half.text
    ended = {"from": start.isoformat(), "to-day": "1", "to-month": "1", "to-year": "2001"}
    early = eclient.get("/events", params=ended)
    assert early.status_code == 400
    assert "The end date must be the same as or after the start date" in early.text


def test_each_series_links_its_own_calendar_file(esettings: Settings, eclient: PageClient) -> None:
    soon = london_today() + timedelta(days=2)
    series = add_event(esettings, start_date=soon)
    single = add_event(esettings, title="One workshop", repeat="none", start_date=soon)
    republish(esettings)
    page = eclient.get("/events").text
    assert f'href="/events/{series}.ics"' in page
    assert f'href="/events/{single}.ics"' not in page
    assert eclient.get(f"/events/{series}.ics").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "month=" + "9" * 5000,
        "from-day=<script>alert(1)</script>&from-month=😀&from-year=\uff12\uff10\uff12\uff16",
        "service=carers&service=nope&month=2026-13&month=2026-12",
        "from-day=" + "1" * 60000,
        "to-day=29&to-month=2&to-year=2100&from=2100-12-31",
        "month=0000-00&from=9999-12-31",
        "from-day=\u0661&from-month=\u0661&from-year=\u0662\u0660\u0662\u0667",
    ],
)
def test_no_query_is_a_500(esettings: Settings, eclient: PageClient, query: str) -> None:
    response = eclient.get(f"/events?{query}")
    assert response.status_code in (200, 400)
    assert "<script>alert" not in response.text
    assert results(response.text)


def test_a_window_ending_mid_month_pages_only_its_months(
    esettings: Settings, eclient: PageClient
) -> None:
    soon = london_today() + timedelta(days=2)
    add_event(esettings, start_date=soon)
    republish(esettings)
    end = soon + timedelta(days=10)
    page = eclient.get(f"/events?to={end.isoformat()}").text
    assert results(page) == "2 dates match"  # the weekly group on soon and soon + 7 only
    assert "Between" not in page and f"to {end.day} {end:%B %Y}" in page
    one_month = soon.replace(day=1) == end.replace(day=1)
    assert (link(page, "next") is None) == one_month


def test_the_prebuilt_listing_and_feed_are_sent_compressed_and_keep_their_twins(
    esettings: Settings, eclient: PageClient
) -> None:
    """/events and /api/events without filters are files the publisher wrote: sent as their
    .gz twins to clients that accept gzip, and the twins survive the next publish."""
    add_event(esettings, start_date=london_today() + timedelta(days=2))
    republish(esettings)
    republish(esettings)  # the second publish must not prune the first one's twins
    for path, twin in (("/events", "events/index.html"), ("/api/events", "api/events.json")):
        assert (esettings.site_dir / f"{twin}.gz").exists(), twin
        packed = eclient.get(path, headers={"accept-encoding": "gzip"})
        assert packed.headers["content-encoding"] == "gzip", path
        assert packed.headers["vary"] == "Accept-Encoding"
        # httpx decodes the body: it is the same file the plain answer sends.
        plain = eclient.get(path, headers={"accept-encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert packed.content == plain.content == (esettings.site_dir / twin).read_bytes()
