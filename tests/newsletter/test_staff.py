"""`/staff/newsletter`: the counts, and the CSV of the list, whose every download is audited
(without an address in the audit row); `pafinder newsletter export` is audited too."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from sqlalchemy import select

from pafinder.app import create_app
from pafinder.db import make_engine
from pafinder.staff.store import audit_log
from tests.conftest import Inbox, PageClient, add_staff, sign_in
from tests.newsletter.helpers import cli, link_in, portal, sign_up


def test_staff_see_the_counts_and_download_the_list_audited(
    tmp_path: Path, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = portal(tmp_path, smtp_url=url)
    add_staff(settings, "worker@example.org", services=("carers",))  # any service will do
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        for email in ("ann@example.com", "bob@example.com", "=cmd@example.com", "wait@example.com"):
            sign_up(client, settings, email)
        inbox.wait_for(4)
        for email in ("ann@example.com", "bob@example.com", "=cmd@example.com"):
            assert client.get(link_in(inbox.to(email)[0], "confirm")).status_code == 200

        assert client.get("/staff/newsletter", follow_redirects=False).status_code == 303
        assert sign_in(client, "worker@example.org").status_code == 303
        home = client.get("/staff/")
        assert 'href="/staff/newsletter"' in home.text
        page = client.get("/staff/newsletter")
        assert page.status_code == 200 and "<h1" in page.text
        assert "3 addresses" in page.text and "1 address" in page.text
        assert "ann@example.com" not in page.text  # counts only on the page

        download = client.get("/staff/newsletter/subscribers.csv")
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("text/csv")
        assert download.headers["cache-control"] == "no-store"
        assert "attachment" in download.headers["content-disposition"]
        table = list(csv.DictReader(io.StringIO(download.text)))
        assert sorted(r["email"] for r in table) == [
            "'=cmd@example.com",  # never run as a formula by a spreadsheet
            "ann@example.com",
            "bob@example.com",
        ]
        assert all(r["confirmed_at"].endswith("Z") for r in table)

    assert cli(settings, "newsletter", "export").exit_code == 0
    with make_engine(settings.database_url).connect() as conn:
        audited = conn.execute(
            select(audit_log).where(audit_log.c.action == "newsletter.exported")
        ).all()
    assert [a.actor.split(":")[0] for a in audited] == ["staff", "cli"]
    for entry in audited:
        assert json.loads(entry.detail) == {"rows": 3, "format": "csv"}
        assert "@" not in entry.detail + entry.subject_id
