"""`pafinder backup DIR` and `pafinder restore DIR` (issue 12, point 4), on whichever database
the suite runs on (SQLite files, or PostgreSQL with PAFINDER_TEST_DATABASE): a portal with rows
in every table is backed up and restored into a fresh database, and every table is compared row
by row; a backup made while another connection writes is one consistent snapshot; a damaged,
changed, newer or wrongly keyed backup, and a target that has data, are refused before anything
is touched."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from cryptography.fernet import Fernet
from sqlalchemy import func, insert, select, text

from pafinder import crypto
from pafinder.backup import manifest
from pafinder.db import make_engine, utcnow
from pafinder.referrals.store import referrals
from pafinder.settings import Settings
from pafinder.staff.store import audit_log
from tests.backup.helpers import every_table, read_all, seeded_portal
from tests.conftest import add_staff
from tests.dataprotection.helpers import run
from tests.dataprotection.seed import ADA, seed_person, staff
from tests.referrals.helpers import make_referral
from tests.register.lifecycle_helpers import pa_settings

KEY = Fernet.generate_key()


@pytest.fixture
def seeded(tmp_path: Path) -> Settings:
    """A row in every table."""
    return seeded_portal(tmp_path / "source", KEY)


@pytest.fixture
def source(tmp_path: Path) -> Settings:
    """Enough for the refusals: a staff account and a referral with encrypted free text."""
    settings = pa_settings(tmp_path / "source", data_key=KEY.decode())
    add_staff(settings)
    make_referral(settings, reason=f"{ADA.words[0]} at night")
    return settings


def fresh(tmp_path: Path, name: str = "target", key: bytes = KEY) -> Settings:
    """A new, migrated, empty portal (its own database on PostgreSQL)."""
    return pa_settings(tmp_path / name, data_key=key.decode())


def backup(settings: Settings, folder: Path) -> Result:
    return run(settings, "backup", str(folder))


def restore(settings: Settings, folder: Path, *extra: str) -> Result:
    return run(settings, "restore", str(folder), *extra)


def without_restore_entry(tables: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The restore's own audit entry is the one row the backup cannot hold."""
    audit = [r for r in tables["audit_log"] if "data.restored" not in r]
    return {**tables, "audit_log": audit}


def test_restore_gives_back_every_table_row_by_row(seeded: Settings, tmp_path: Path) -> None:
    source = seeded
    every = every_table()
    before = read_all(make_engine(source.database_url))
    assert set(every.tables) <= set(before)
    empty = [name for name, rows in before.items() if not rows]
    assert not empty, f"the seed left {empty} empty"
    mail = sorted(p.name for p in source.outbox_dir.glob("*.eml"))
    assert mail

    made = backup(source, tmp_path / "backup")
    assert made.exit_code == 0, made.output
    assert "PAFINDER_DATA_KEY" in made.output  # says what is not in it
    written = json.loads((tmp_path / "backup" / manifest.MANIFEST).read_text())
    assert written["tables"] == {name: len(rows) for name, rows in before.items()}
    assert written["revisions"] == sorted(r[0] for r in before["alembic_version"])
    assert written["created_at"].endswith("Z")
    assert (tmp_path / "backup").stat().st_mode & 0o077 == 0  # owner only: everyone's data

    target = fresh(tmp_path)
    # The generated rows are not events a page can show: the rebuild has its own test.
    done = restore(target, tmp_path / "backup", "--no-rebuild")
    assert done.exit_code == 0, done.output
    assert "every table's row count matches" in done.output

    engine = make_engine(target.database_url)
    after = without_restore_entry(read_all(engine))
    assert set(after) == set(before)
    for name in sorted(before):
        assert after[name] == before[name], f"{name} differs after the restore"
    assert sorted(p.name for p in target.outbox_dir.glob("*.eml")) == mail
    # The free text opens with the key that was current (it was never in the backup).
    with engine.connect() as conn:
        reasons = [
            crypto.decrypt(engine, r) for r in conn.execute(select(referrals.c.reason)).scalars()
        ]
    assert any(ADA.words[0] in r for r in reasons)
    # The restored portal takes new records after the restored ones (sequences came back).
    add_staff(target, "after-restore@example.org")
    with engine.connect() as conn:
        staff_table = every.tables["staff"]
        newest = conn.execute(select(func.max(staff_table.c.id))).scalar_one()
        assert newest > max(r[0] for r in before["staff"])


def test_restore_rebuilds_site_and_search_indexes(tmp_path: Path) -> None:
    source = pa_settings(tmp_path / "source", data_key=KEY.decode())
    seed_person(source, ADA, staff(source))
    assert backup(source, tmp_path / "backup").exit_code == 0
    target = fresh(tmp_path)
    done = restore(target, tmp_path / "backup")
    assert done.exit_code == 0, done.output
    assert "Rebuilt" in done.output and "1 records" in done.output  # Ada's PA listing
    with make_engine(target.database_url).connect() as conn:
        [event_id] = conn.execute(text("SELECT id FROM events")).scalars()
    page = target.site_dir / "events" / str(event_id) / "index.html"
    assert f"Group {ADA.words[0][:3]}" in page.read_text()
    assert list(target.index_dir.glob("pas-*"))


def test_a_backup_while_another_connection_writes_is_one_snapshot(
    tmp_path: Path,
) -> None:
    settings = pa_settings(tmp_path / "busy", data_key=KEY.decode())
    engine = make_engine(settings.database_url)
    row = {"at": utcnow(), "actor": "cli", "action": "test.write", "subject_type": "t"}
    with engine.begin() as conn:  # enough rows for the copy to take a while
        conn.execute(insert(audit_log), [{**row, "subject_id": str(i)} for i in range(30_000)])
    stop, written = threading.Event(), [0]

    def writer() -> None:
        while not stop.is_set():
            with engine.begin() as conn:
                conn.execute(insert(audit_log).values(**row, subject_id="w"))
            written[0] += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while written[0] < 5:
            time.sleep(0.01)
        at_start = written[0]
        made = backup(settings, tmp_path / "backup")
        during = written[0] - at_start
    finally:
        stop.set()
        thread.join()
    assert made.exit_code == 0, made.output
    assert during > 0, "the writer waited for the backup"
    counted = json.loads((tmp_path / "backup" / manifest.MANIFEST).read_text())["tables"]
    assert 30_000 + 5 <= counted["audit_log"] <= 30_000 + written[0] + 1

    target = fresh(tmp_path)
    done = restore(target, tmp_path / "backup", "--no-rebuild")
    assert done.exit_code == 0, done.output
    with make_engine(target.database_url).connect() as conn:
        ids = list(
            conn.execute(
                select(audit_log.c.id)
                .where(audit_log.c.action != "data.restored")
                .order_by(audit_log.c.id)
            ).scalars()
        )
    # A snapshot: the rows up to one moment, none missing in between.
    assert len(ids) == counted["audit_log"] and ids == list(range(ids[0], ids[0] + len(ids)))


@pytest.fixture
def made(source: Settings, tmp_path: Path) -> Path:
    folder = tmp_path / "backup"
    result = backup(source, folder)
    assert result.exit_code == 0, result.output
    return folder


def _dump(folder: Path) -> Path:
    return folder / json.loads((folder / manifest.MANIFEST).read_text())["dump"]


def _assert_untouched(target: Settings, result: Result, says: str) -> None:
    assert result.exit_code == 2, result.output
    assert says in result.output and "Nothing was changed" in result.output
    tables = read_all(make_engine(target.database_url))
    assert not any(rows for name, rows in tables.items() if name != "alembic_version")


def test_restore_refuses_a_changed_or_truncated_backup(made: Path, tmp_path: Path) -> None:
    target = fresh(tmp_path)
    dump = _dump(made)
    whole = dump.read_bytes()
    changed = bytearray(whole)
    changed[len(changed) // 2] ^= 0xFF
    dump.write_bytes(bytes(changed))
    _assert_untouched(target, restore(target, made, "--yes"), "does not match its checksum")
    dump.write_bytes(whole[: len(whole) // 2])
    _assert_untouched(target, restore(target, made, "--yes"), "truncated")
    dump.write_bytes(whole)
    (made / manifest.MANIFEST).write_text('{"format": 1, "kind": ')
    _assert_untouched(target, restore(target, made), "damaged")
    (made / manifest.MANIFEST).unlink()
    _assert_untouched(target, restore(target, made), "holds no backup")


def test_restore_refuses_a_backup_from_a_newer_migration(source: Settings, tmp_path: Path) -> None:
    with make_engine(source.database_url).begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    assert backup(source, tmp_path / "backup").exit_code == 0
    target = fresh(tmp_path)
    _assert_untouched(target, restore(target, tmp_path / "backup", "--yes"), "newer than")


def test_restore_refuses_another_data_key(made: Path, tmp_path: Path) -> None:
    target = fresh(tmp_path, key=Fernet.generate_key())
    _assert_untouched(target, restore(target, made), "cannot read the backup's encrypted")


def test_restore_over_data_needs_yes(made: Path, source: Settings, tmp_path: Path) -> None:
    target = fresh(tmp_path)
    add_staff(target, "already-here@example.org")
    there = read_all(make_engine(target.database_url))
    refused = restore(target, made, "--no-rebuild")
    assert refused.exit_code == 2, refused.output
    assert "--yes" in refused.output
    assert read_all(make_engine(target.database_url)) == there
    done = restore(target, made, "--yes", "--no-rebuild")
    assert done.exit_code == 0, done.output
    assert "pafinder build && pafinder reindex" in done.output  # what to run instead
    after = without_restore_entry(read_all(make_engine(target.database_url)))
    assert after["staff"] == read_all(make_engine(source.database_url))["staff"]


def test_backup_refuses_a_folder_that_holds_something(
    made: Path, source: Settings, tmp_path: Path
) -> None:
    again = backup(source, made)
    assert again.exit_code == 2 and "already holds a backup" in again.output
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    refused = backup(source, other)
    assert refused.exit_code == 2 and "not empty" in refused.output
    assert sorted(p.name for p in other.iterdir()) == ["notes.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert backup(source, empty).exit_code == 0
    assert (empty / manifest.MANIFEST).is_file()


def test_a_failed_backup_leaves_nothing(tmp_path: Path) -> None:
    settings = fresh(tmp_path)
    if settings.database_url.startswith("sqlite"):
        missing = f"sqlite:///{tmp_path / 'nowhere' / 'none.db'}"
    else:
        missing = settings.database_url.rsplit("/", 1)[0] + "/no_such_database"
    failed = run(settings, "backup", str(tmp_path / "backup"), database_url=missing)
    assert failed.exit_code == 1, failed.output
    assert "Failed:" in failed.output
    assert not (tmp_path / "backup").exists()


def test_restore_refuses_the_other_kind_of_database(made: Path, tmp_path: Path) -> None:
    data = json.loads((made / manifest.MANIFEST).read_text())
    other = "postgresql" if data["kind"] == "sqlite" else "sqlite"
    (made / manifest.DUMP_NAMES[other]).write_bytes(_dump(made).read_bytes())
    data.update(kind=other, dump=manifest.DUMP_NAMES[other])
    (made / manifest.MANIFEST).write_text(json.dumps(data))
    target = fresh(tmp_path)
    _assert_untouched(target, restore(target, made), f"backup of a {other} database")


def test_restore_replaces_a_newer_schema_whole(
    made: Path, source: Settings, tmp_path: Path
) -> None:
    """The target was made by a newer release (`pafinder migrate` ran first): its extra table,
    which refers to a backed-up one, goes, so the migrations that follow the restore can make
    it again, and the database is the backup's."""
    target = fresh(tmp_path)
    engine = make_engine(target.database_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE later_feature (id INTEGER PRIMARY KEY, "
                "staff_id INTEGER REFERENCES staff (id))"
            )
        )
    done = restore(target, made, "--no-rebuild")
    assert done.exit_code == 0, done.output
    after = without_restore_entry(read_all(engine))
    assert "later_feature" not in after
    assert after == read_all(make_engine(source.database_url)) | {"audit_log": after["audit_log"]}


def test_restore_checks_every_tables_count_against_the_manifest(made: Path, tmp_path: Path) -> None:
    """A manifest that counts other rows than the dump holds fails the restore (exit 1). On
    SQLite the copy is counted before the live file is touched, so it stays empty."""
    data = json.loads((made / manifest.MANIFEST).read_text())
    data["tables"]["staff"] += 1
    (made / manifest.MANIFEST).write_text(json.dumps(data))
    target = fresh(tmp_path)
    failed = restore(target, made, "--no-rebuild")
    assert failed.exit_code == 1, failed.output
    staff_rows = data["tables"]["staff"]
    assert f"staff: {staff_rows} expected, {staff_rows - 1} found" in failed.output
    if target.database_url.startswith("sqlite"):
        assert not read_all(make_engine(target.database_url))["staff"]
