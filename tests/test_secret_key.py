"""The secret key and PAFINDER_ENV (issue 8, point 3): no published key, no short key, no
unknown environment."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from pafinder import settings as settings_module
from pafinder.register import lifecycle_mail
from pafinder.secret_key import KEY_FILE
from pafinder.settings import ConfigError, Settings


def test_without_a_key_one_is_made_on_first_run_kept_0600_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    env = {"PAFINDER_DATA_DIR": str(data_dir)}
    first = Settings.from_env(env)
    assert not (data_dir / KEY_FILE).exists(), "reading settings writes nothing"
    key = str(first.secret_key)
    assert len(key.encode()) >= 32
    path = data_dir / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    # The next start (a new process, a second worker) uses the same key, so links still work.
    token = lifecycle_mail.make_token(first, lifecycle_mail.MANAGE, "PA-1")
    second = Settings.from_env(env)
    assert str(second.secret_key) == key
    assert lifecycle_mail.read_token(second, lifecycle_mail.MANAGE, token) == "PA-1"
    other = Settings.from_env({"PAFINDER_DATA_DIR": str(tmp_path / "elsewhere")})
    assert str(other.secret_key) != key, "every install gets its own key"


def test_the_published_development_key_is_gone() -> None:
    assert not hasattr(settings_module, "DEV_SECRET_KEY")
    source = Path(settings_module.__file__).read_text()
    assert "dev-only-secret-key" not in source


def test_an_explicit_key_is_used_and_no_file_is_made(tmp_path: Path) -> None:
    s = Settings.from_env({"PAFINDER_DATA_DIR": str(tmp_path), "PAFINDER_SECRET_KEY": "k" * 32})
    assert str(s.secret_key) == "k" * 32
    assert not (tmp_path / KEY_FILE).exists()


def test_a_key_under_32_bytes_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PAFINDER_SECRET_KEY must be at least 32 bytes"):
        Settings.from_env({"PAFINDER_DATA_DIR": str(tmp_path), "PAFINDER_SECRET_KEY": "k" * 31})
    (tmp_path / KEY_FILE).write_text("short\n")
    with pytest.raises(ConfigError, match="shorter than 32 bytes"):
        _ = Settings.from_env({"PAFINDER_DATA_DIR": str(tmp_path)}).secret_key


@pytest.mark.parametrize("name", ["staging", "prod", "Production", "dev"])
def test_an_unknown_environment_is_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="PAFINDER_ENV must be one of development, production"):
        Settings.from_env({"PAFINDER_ENV": name, "PAFINDER_SECRET_KEY": "k" * 40})


def test_the_known_environments_are_accepted() -> None:
    for name in ("development", "production", "test"):
        s = Settings.from_env(
            {
                "PAFINDER_ENV": name,
                "PAFINDER_SECRET_KEY": "k" * 40,
                # production also needs a data key (tests/dataprotection)
                "PAFINDER_DATA_KEY": "kuNEu-RpopfmJo3297szwS2wFDba1O7pLR2zg2itQvE=",
            }
        )
        assert s.production == (name == "production")


def test_production_refuses_to_start_without_an_explicit_key(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).write_text("k" * 64)  # even a stored key: production must say which
    with pytest.raises(ConfigError, match="PAFINDER_ENV=production needs PAFINDER_SECRET_KEY"):
        Settings.from_env({"PAFINDER_ENV": "production", "PAFINDER_DATA_DIR": str(tmp_path)})


def test_staff_session_limits_must_be_whole_numbers() -> None:
    with pytest.raises(ConfigError, match="PAFINDER_STAFF_IDLE_MINUTES"):
        Settings.from_env({"PAFINDER_STAFF_IDLE_MINUTES": "half an hour"})
    with pytest.raises(ConfigError, match="PAFINDER_STAFF_MAX_HOURS"):
        Settings.from_env({"PAFINDER_STAFF_MAX_HOURS": "0"})
    s = Settings.from_env({"PAFINDER_STAFF_IDLE_MINUTES": "15", "PAFINDER_STAFF_MAX_HOURS": "4"})
    assert (s.staff_idle_minutes, s.staff_max_hours) == (15, 4)
