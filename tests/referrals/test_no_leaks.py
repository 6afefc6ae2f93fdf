"""A referral for someone already referred answers exactly as a first one does: its own
reference, nothing of the earlier referral (no 'already referred', no earlier reference)."""

from __future__ import annotations

from pathlib import Path

from pafinder.app import create_app
from pafinder.db import make_engine
from pafinder.referrals import store
from tests.conftest import PageClient
from tests.referrals.helpers import REF, answers_for, portal, service, submit

SLUG = "peer-support-recovery"


def test_referring_someone_already_referred_reveals_nothing_of_the_first(tmp_path: Path) -> None:
    settings = portal(tmp_path)
    data = answers_for(service(settings, SLUG))
    pages: list[tuple[str, str]] = []
    for _visitor in range(2):  # two browsers, the same person's details
        with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
            sent = submit(client, SLUG, data)
            assert sent.status_code == 303
            page = client.get(sent.headers["location"]).text
            ref = REF.search(page)
            assert ref
            pages.append((ref.group(1), page))
    (first_ref, first_page), (second_ref, second_page) = pages
    assert first_ref != second_ref
    assert first_ref not in second_page
    assert first_page.replace(first_ref, "") == second_page.replace(second_ref, "")
    assert store.count(make_engine(settings.database_url)) == 2
