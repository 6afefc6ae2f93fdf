"""Referral free text encrypted at rest (issue 12, point 10; CONTRACT.md "Data protection"):
Fernet keys from PAFINDER_DATA_KEY, a development key kept in the data dir, production refusing
to start without a key, `pafinder rotate-data-key`, and plaintext from before still read."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update

from pafinder import crypto
from pafinder.db import make_engine
from pafinder.referrals import casework, store
from pafinder.referrals.casework import Change, referral_changes
from pafinder.settings import ConfigError, Settings
from tests.conftest import add_staff
from tests.dataprotection.helpers import keyed_portal, new_key, raw_bytes, run, same_portal
from tests.referrals.helpers import make_referral

REASON = "Quixotic marmalade flashbacks since the accident"
OVERRIDE = "Zephyrine safeguarding worry about her brother"
NOTE = "Spoke to Ada: crimson lighthouse fears"
WORDS = ("Quixotic", "marmalade", "Zephyrine", "crimson", "lighthouse")


def _referral_with_note(settings: Settings) -> str:
    ref = make_referral(
        settings,
        slug="peer-support-recovery",
        route="professional",
        reason=REASON,
        consent="override",
        consent_override_reason=OVERRIDE,
    )
    engine = make_engine(settings.database_url)
    member = add_staff(settings, "worker@example.org")
    from pafinder.staff import store as staff_store

    found = staff_store.get_by_email(engine, member)
    assert found is not None
    casework.apply(engine, ref, 1, found.id, Change(what="note", note=NOTE))
    return ref


def _raw_row(settings: Settings, ref: str) -> tuple[str, str, str]:
    engine = make_engine(settings.database_url)
    with engine.connect() as conn:
        row = conn.execute(
            select(
                store.referrals.c.reason,
                store.referrals.c.consent_override_reason,
                store.referrals.c.answers,
            ).where(store.referrals.c.ref == ref)
        ).one()
    return str(row[0]), str(row[1]), str(row[2])


def test_free_text_is_unreadable_in_the_database_and_reads_back(tmp_path: Path) -> None:
    settings = keyed_portal(tmp_path)
    ref = _referral_with_note(settings)
    engine = make_engine(settings.database_url)
    reason, override, answers = _raw_row(settings, ref)
    assert all(crypto.TOKEN.match(v) for v in (reason, override, answers))
    got = store.get(engine, ref)
    assert got is not None
    assert (got.reason, got.consent_override_reason) == (REASON, OVERRIDE)
    assert isinstance(got.answers, dict) and got.answers
    assert [e.note for e in casework.timeline(engine, ref) if e.what == "note"] == [NOTE]
    if settings.database_url.startswith("sqlite"):
        data = raw_bytes(settings)
        assert data  # the file is there, and none of the typed words is in it
        for word in WORDS:
            assert word.encode() not in data, word
    # The development key was made in the data dir, owner-only.
    key_file = settings.data_dir / crypto.KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    Fernet(key_file.read_text().strip().encode())


def test_production_refuses_to_start_without_a_data_key(tmp_path: Path) -> None:
    base = {"PAFINDER_ENV": "production", "PAFINDER_SECRET_KEY": "s" * 48}
    base["PAFINDER_DATA_DIR"] = str(tmp_path)
    with pytest.raises(ConfigError, match="PAFINDER_DATA_KEY"):
        Settings.from_env(base)
    assert not (tmp_path / crypto.KEY_FILE).exists()  # no key made behind production's back
    with pytest.raises(ConfigError, match="not a Fernet key"):
        Settings.from_env({**base, "PAFINDER_DATA_KEY": "not-a-key"})
    ok = Settings.from_env({**base, "PAFINDER_DATA_KEY": f"{new_key().decode()}, "})
    assert ok.production and len(ok.explicit_data_keys) == 1
    result = run(ok, "migrate", env="production")
    assert result.exit_code == 0
    refused = run(ok, "migrate", catch=True, env="production", data_key="")
    assert refused.exit_code != 0
    assert isinstance(refused.exception, ConfigError)
    assert "PAFINDER_DATA_KEY" in str(refused.exception)


def test_rotate_data_key_reencrypts_everything_and_reads_back(tmp_path: Path) -> None:
    old, new = new_key(), new_key()
    settings = keyed_portal(tmp_path, old)
    ref = _referral_with_note(settings)
    engine = make_engine(settings.database_url)
    # A row from before encryption: plaintext, as the old code wrote it.
    legacy = make_referral(settings, slug="peer-support-recovery")
    with engine.begin() as conn:
        conn.execute(
            update(store.referrals)
            .where(store.referrals.c.ref == legacy)
            .values(reason="Plain old words", answers='{"x": "y"}')
        )
    legacy_read = store.get(engine, legacy)
    assert legacy_read is not None and legacy_read.reason == "Plain old words"

    rotated = same_portal(tmp_path, new, old)  # the new key first, the old still readable
    result = run(rotated, "rotate-data-key", "--batch", "1")
    assert result.exit_code == 0, result.output
    assert "Re-encrypted" in result.output
    # Now only the new key is needed: every value opens with it alone.
    only_new = same_portal(tmp_path, new)
    engine = make_engine(only_new.database_url)
    got = store.get(engine, ref)
    assert got is not None and (got.reason, got.consent_override_reason) == (REASON, OVERRIDE)
    assert [e.note for e in casework.timeline(engine, ref) if e.what == "note"] == [NOTE]
    legacy_read = store.get(engine, legacy)
    assert legacy_read is not None and legacy_read.reason == "Plain old words"
    assert legacy_read.answers == {"x": "y"}
    fernet = Fernet(new)
    for value in _raw_row(only_new, ref) + _raw_row(only_new, legacy)[:1]:
        fernet.decrypt(value.encode())
    with engine.connect() as conn:
        for note in conn.execute(select(referral_changes.c.note)).scalars():
            if note:
                fernet.decrypt(note.encode())
    # Idempotent: a second run rewrites nothing.
    again = run(only_new, "rotate-data-key")
    assert again.exit_code == 0
    assert "Re-encrypted 0 rows of referrals." in again.output
    # And without the new key the stored text is refused, never shown as ciphertext.
    same_portal(tmp_path, old)
    with pytest.raises(crypto.DataKeyError):
        store.get(make_engine(settings.database_url), ref)
