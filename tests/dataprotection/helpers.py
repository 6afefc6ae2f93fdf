"""Shared by the data protection tests: a portal on the real content, the command line run with
that portal's environment, and the raw bytes of a SQLite database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from cryptography.fernet import Fernet

from pafinder.cli import main
from pafinder.settings import Settings
from tests.conftest import REAL_CONTENT, make_settings
from tests.referrals.helpers import portal


def keyed_portal(tmp_path: Path, *keys: bytes, **env: str) -> Settings:
    """The real content, migrated; PAFINDER_DATA_KEY set to ``keys`` when given."""
    if keys:
        env["data_key"] = ",".join(k.decode() for k in keys)
    return portal(tmp_path, REAL_CONTENT, **env)


def same_portal(tmp_path: Path, *keys: bytes) -> Settings:
    """The portal at ``tmp_path`` again, as a process started with other keys would see it."""
    env = {"data_key": ",".join(k.decode() for k in keys)} if keys else {}
    return make_settings(tmp_path, REAL_CONTENT, **env)


def new_key() -> bytes:
    return Fernet.generate_key()


def run(settings: Settings, *args: str, catch: bool = False, **extra: str) -> Result:
    """`pafinder ARGS` with the environment that made ``settings``."""
    env: dict[str, Any] = {
        "PAFINDER_DATA_DIR": str(settings.data_dir),
        "PAFINDER_DATABASE_URL": settings.database_url,
        "PAFINDER_CONTENT_DIR": str(settings.content_dir),
        "PAFINDER_SITE_DIR": str(settings.site_dir),
        "PAFINDER_INDEX_DIR": str(settings.index_dir),
        "PAFINDER_SECRET_KEY": str(settings.secret_key),
        "PAFINDER_DATA_KEY": ",".join(k.decode() for k in settings.explicit_data_keys) or None,
    }
    env.update({f"PAFINDER_{k.upper()}": v for k, v in extra.items()})
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=catch)


def raw_bytes(settings: Settings) -> bytes:
    """The SQLite file and its write-ahead log, as on disk."""
    path = Path(settings.database_url.split("///", 1)[1])
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
