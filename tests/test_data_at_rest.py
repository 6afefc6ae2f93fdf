"""Personal data at rest: sent forms leave no answers in form_drafts, the database, its WAL and
the development outbox are owner-only, and the outbox folder is purged and erased like the
outbox table."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from pafinder import mail, outbox
from pafinder.app import create_app
from pafinder.db import make_engine, migrate
from pafinder.register import lifecycle_store
from pafinder.web.drafts import form_drafts
from tests.conftest import PageClient, make_settings
from tests.referrals.helpers import REF, answers_for, hidden, portal, service, submit
from tests.register.lifecycle_helpers import pa_settings, published_listing

SLUG = "peer-support-recovery"
REASON = "Hearing voices since my mother died; I cannot leave the house"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_sent_referral_leaves_no_answers_in_drafts_and_a_resend_gets_its_reference(
    tmp_path: Path,
) -> None:
    settings = portal(tmp_path)
    engine = make_engine(settings.database_url)
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as client:
        data = answers_for(service(settings, SLUG), reason=REASON)
        assert submit(client, SLUG, {**data, "action": "check"}).status_code == 303
        with engine.connect() as conn:
            [before] = conn.execute(select(form_drafts.c.data)).scalars().all()
        assert REASON in before  # a draft, while it is one, holds the answers
        check = client.get(f"/refer/{SLUG}/check").text
        token = hidden(check, "csrftoken")
        sent = client.post(
            f"/refer/{SLUG}/check", data={"csrftoken": token}, follow_redirects=False
        )
        ref = REF.search(client.get(sent.headers["location"]).text)
        assert ref
        with engine.connect() as conn:
            rows = conn.execute(select(form_drafts)).all()
        assert [(r.data, r.submitted_ref) for r in rows] == [("{}", ref.group(1))]
        # A double submit still finds the first one's reference.
        again = client.post(
            f"/refer/{SLUG}/check", data={"csrftoken": token}, follow_redirects=False
        )
        assert REF.search(client.get(again.headers["location"]).text).group(1) == ref.group(1)  # type: ignore[union-attr]


def test_database_wal_and_data_dir_are_owner_only(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("the database's files are PostgreSQL's own (its cluster is 0700)")
    engine = make_engine(settings.database_url)
    migrate(engine)
    database = settings.data_dir / "pafinder.db"
    assert mode(settings.data_dir) == 0o700
    assert mode(database) == 0o600
    with engine.connect() as conn:  # a reader keeps the WAL in place to look at
        wal = Path(f"{database}-wal")
        assert wal.exists()
        assert mode(wal) == 0o600
        assert mode(Path(f"{database}-shm")) == 0o600
        conn.rollback()


def test_outbox_files_are_owner_only_purged_after_three_days_and_erased(tmp_path: Path) -> None:
    settings = pa_settings(tmp_path)
    engine = make_engine(settings.database_url)
    ref = published_listing(settings, email="pub@example.org")
    for to in ("pub@example.org", "other@example.org", "old@example.org"):
        outbox.send(settings, mail.build_message(settings, to, "Hello", "A link\n"), "test")
    files = mail.outbox_files(settings.outbox_dir)
    assert len(files) == 3
    assert mode(settings.outbox_dir) == 0o700
    assert {mode(f) for f in files} == {0o600}
    # Older than the outbox table keeps an unsent email: gone on the next send-mail run.
    [old] = [f for f in files if b"old@example.org" in f.read_bytes()]
    four_days_ago = time.time() - 4 * 24 * 3600
    os.utime(old, (four_days_ago, four_days_ago))
    outbox.deliver(engine, settings)
    assert not old.exists() and len(mail.outbox_files(settings.outbox_dir)) == 2
    # The PA's erasure deletes their emails from the folder too, and only theirs.
    lifecycle_store.erase(engine, settings, ref)
    left = [f.read_bytes() for f in mail.outbox_files(settings.outbox_dir)]
    assert len(left) == 1 and b"other@example.org" in left[0]
