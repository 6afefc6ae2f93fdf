"""Every setting, read from PAFINDER_* environment variables with safe local defaults.

Tests and benchmarks build a Settings with overrides (``Settings.from_env(env={...})``) instead
of touching os.environ, so each test gets a fresh, isolated portal.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from starlette.datastructures import Secret

from pafinder import crypto
from pafinder.secret_key import MIN_KEY_BYTES, stored_key

ENVIRONMENTS = ("development", "production", "test")


class ConfigError(RuntimeError):
    """Raised when settings are unsafe for the chosen environment."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    content_dir: Path
    site_dir: Path
    index_dir: Path
    # PAFINDER_SECRET_KEY; None: ``secret_key`` is the one kept in the data dir (made on first use)
    explicit_secret_key: Secret | None
    env: str = "development"
    smtp_url: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    redis_url: str | None = None
    # PAFINDER_TRUSTED_PROXIES: the only peers whose X-Forwarded-For is believed (none unset)
    trusted_proxies: tuple[str, ...] = ()
    extra: Mapping[str, str] = field(default_factory=dict)
    staff_idle_minutes: int = 30
    staff_max_hours: int = 8
    # PAFINDER_MAX_BODY_BYTES: a request body over this is refused with 413 before it is read
    max_body_bytes: int = 1_000_000
    # PAFINDER_DATA_KEY: Fernet keys for free text at rest, the first writes (pafinder.crypto);
    # empty: a key kept in the data dir (development only: production refuses to start)
    explicit_data_keys: tuple[bytes, ...] = ()
    # Retention (pafinder purge), in days: closed/refused/signposted referrals after their last
    # change, event bookings after the date booked, messages to PAs and waiting emails, feedback
    retain_closed_referrals_days: int = 2190
    retain_bookings_days: int = 730
    retain_messages_days: int = 90
    retain_feedback_days: int = 1095
    # PAFINDER_SYNC_SECONDS: how often a node looks for other nodes' changes (PostgreSQL's
    # LISTEN/NOTIFY wakes it sooner); pafinder.nodes.sync
    sync_seconds: int = 1
    # PAFINDER_JOBS_MIN_OPEN_DAYS: the earliest closing date of a job advert, in days from the
    # day it is written (pafinder.jobs.models), so PAs who look once a week still see it
    jobs_min_open_days: int = 14

    @cached_property
    def secret_key(self) -> Secret:
        # Read (or made) only when first needed, so reading settings never writes a file.
        if self.explicit_secret_key is not None:
            return self.explicit_secret_key
        return Secret(stored_key(self.data_dir))

    def data_keys(self) -> tuple[bytes, ...]:
        if self.explicit_data_keys:
            return self.explicit_data_keys
        return (crypto.stored_key(self.data_dir),)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        source = os.environ if env is None else env

        def get(name: str, default: str) -> str:
            return source.get(f"PAFINDER_{name}", default) or default

        data_dir = Path(get("DATA_DIR", "./var"))
        settings = cls(
            data_dir=data_dir,
            database_url=get("DATABASE_URL", f"sqlite:///{data_dir / 'pafinder.db'}"),
            content_dir=Path(get("CONTENT_DIR", "./content")),
            site_dir=Path(get("SITE_DIR", "./site")),
            index_dir=Path(get("INDEX_DIR", "./search_index")),
            explicit_secret_key=Secret(key) if (key := get("SECRET_KEY", "")) else None,
            env=get("ENV", "development"),
            smtp_url=source.get("PAFINDER_SMTP_URL") or None,
            base_url=get("BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            redis_url=source.get("PAFINDER_REDIS_URL") or None,
            trusted_proxies=_proxies(source.get("PAFINDER_TRUSTED_PROXIES", "")),
            staff_idle_minutes=_whole("STAFF_IDLE_MINUTES", get("STAFF_IDLE_MINUTES", "30")),
            staff_max_hours=_whole("STAFF_MAX_HOURS", get("STAFF_MAX_HOURS", "8")),
            max_body_bytes=_whole("MAX_BODY_BYTES", get("MAX_BODY_BYTES", "1000000")),
            explicit_data_keys=tuple(_data_keys(source.get("PAFINDER_DATA_KEY", ""))),
            retain_closed_referrals_days=_whole(
                "RETAIN_CLOSED_REFERRALS_DAYS", get("RETAIN_CLOSED_REFERRALS_DAYS", "2190")
            ),
            retain_bookings_days=_whole("RETAIN_BOOKINGS_DAYS", get("RETAIN_BOOKINGS_DAYS", "730")),
            retain_messages_days=_whole("RETAIN_MESSAGES_DAYS", get("RETAIN_MESSAGES_DAYS", "90")),
            retain_feedback_days=_whole(
                "RETAIN_FEEDBACK_DAYS", get("RETAIN_FEEDBACK_DAYS", "1095")
            ),
            sync_seconds=_whole("SYNC_SECONDS", get("SYNC_SECONDS", "1")),
            jobs_min_open_days=_whole("JOBS_MIN_OPEN_DAYS", get("JOBS_MIN_OPEN_DAYS", "14")),
        )
        settings.check()
        # Stores reach the keys through their engine's URL (they are not handed settings).
        crypto.register(settings.database_url, settings.data_keys)
        return settings

    def check(self) -> None:
        if self.env not in ENVIRONMENTS:
            raise ConfigError(
                f"PAFINDER_ENV must be one of {', '.join(ENVIRONMENTS)}, not {self.env!r}"
            )
        key = self.explicit_secret_key
        if self.production and key is None:
            raise ConfigError(
                "PAFINDER_ENV=production needs PAFINDER_SECRET_KEY set to a long random value"
            )
        if key is not None and len(str(key).encode()) < MIN_KEY_BYTES:
            raise ConfigError(
                f"PAFINDER_SECRET_KEY must be at least {MIN_KEY_BYTES} bytes long: make one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        if self.production and not self.explicit_data_keys:
            raise ConfigError(
                "PAFINDER_ENV=production needs PAFINDER_DATA_KEY set to one or more Fernet keys "
                "(comma-separated, the first encrypts): make one with python -c 'from "
                "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
            )


def _data_keys(value: str) -> list[bytes]:
    try:
        return crypto.parse_keys(value)
    except crypto.DataKeyError as exc:
        raise ConfigError(str(exc)) from None


def _proxies(value: str) -> tuple[str, ...]:
    """Comma-separated addresses or CIDR ranges (or "*" for any peer: only behind a proxy
    that every request passes through)."""
    found: list[str] = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        if item != "*":
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ConfigError(
                    "PAFINDER_TRUSTED_PROXIES must list IP addresses or ranges such as "
                    f"10.0.0.0/8, separated by commas, not {item!r}"
                ) from None
        found.append(item)
    return tuple(found)


def _whole(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ConfigError(f"PAFINDER_{name} must be a whole number above 0, not {value!r}")
    return number
