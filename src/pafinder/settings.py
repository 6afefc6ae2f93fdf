"""Every setting, read from PAFINDER_* environment variables with safe local defaults.

Tests and benchmarks build a Settings with overrides (``Settings.from_env(env={...})``) instead
of touching os.environ, so each test gets a fresh, isolated portal.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from starlette.datastructures import Secret

DEV_SECRET_KEY = "dev-only-secret-key-change-me-in-production"  # noqa: S105 (documented default)


class ConfigError(RuntimeError):
    """Raised when settings are unsafe for the chosen environment."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    content_dir: Path
    site_dir: Path
    index_dir: Path
    secret_key: Secret
    env: str = "development"
    smtp_url: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    redis_url: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

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
            secret_key=Secret(get("SECRET_KEY", DEV_SECRET_KEY)),
            env=get("ENV", "development"),
            smtp_url=source.get("PAFINDER_SMTP_URL") or None,
            base_url=get("BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            redis_url=source.get("PAFINDER_REDIS_URL") or None,
        )
        settings.check()
        return settings

    def check(self) -> None:
        if self.production and str(self.secret_key) == DEV_SECRET_KEY:
            raise ConfigError(
                "PAFINDER_ENV=production needs PAFINDER_SECRET_KEY set to a long random value"
            )
