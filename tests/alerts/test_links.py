"""The ways in: /find-a-pa links to its search saved as an alert, and the PA's manage-my-listing
page links to a job alert with the PA's own areas and tasks prefilled."""

from __future__ import annotations

import html
import re
from pathlib import Path

from pafinder.register import lifecycle_mail, lifecycle_store
from tests.alerts.helpers import client_for, engine_of, portal
from tests.alerts.test_saved_searches import CONTENT
from tests.register import pa_rows
from tests.register.test_api import import_rows


def test_find_a_pa_links_to_saving_the_same_search(tmp_path: Path) -> None:
    settings = portal(tmp_path)
    with client_for(settings) as client:
        page = client.get("/find-a-pa?area=crewe&task=shopping&postcode=sk11+6ab&within=5&page=2")
        link = re.search(r'href="([^"]+)" id="save-search"', page.text)
        assert link, page.text
        href = html.unescape(link.group(1))
        assert href == "/find-a-pa/alerts?area=crewe&task=shopping&postcode=SK11+6AB&within=5"
        saved = client.get(href)
        assert saved.status_code == 200
        assert "Areas covered: Crewe" in saved.text and "Within 5 miles" in saved.text


def test_manage_my_listing_links_to_a_job_alert_with_the_pas_choices(tmp_path: Path) -> None:
    settings = portal(tmp_path)
    rows = pa_rows.make_rows(CONTENT, 3, seed=2)
    rows[0]["status"] = "published"
    assert import_rows(settings, rows[:1], tmp_path / "pas.csv").exit_code == 0
    [listing] = lifecycle_store.for_email(engine_of(settings), rows[0]["email"])
    token = lifecycle_mail.make_token(settings, lifecycle_mail.MANAGE, listing["ref"])
    with client_for(settings) as client:
        assert client.get(f"/become-a-pa/manage/{token}").status_code == 200  # followed
        page = client.get("/become-a-pa/manage/listing")
        link = re.search(r'href="([^"]+)" id="job-alerts"', page.text)
        assert link, page.text
        href = html.unescape(link.group(1))
        assert href.startswith("/jobs/alerts?area=")
        form = client.get(href)
        assert form.status_code == 200
        for area in listing["areas"]:
            assert f"area={area}" in href and f'value="{area}" checked' in form.text
        for task in listing["tasks"]:
            assert f'value="{task}" checked' in form.text
