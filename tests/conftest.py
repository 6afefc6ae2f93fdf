"""Shared fixtures: a fresh portal per test (real SQLite file, real Whoosh index on disk, real
site/ build), an HTTP client that checks house rules on every HTML page, and a real SMTP server."""

from __future__ import annotations

import os
import shutil
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from starlette.testclient import TestClient

from pafinder.app import create_app
from pafinder.build import build, pages_for_index
from pafinder.db import make_engine, migrate
from pafinder.features import all_publishers
from pafinder.search import rebuild_pages_index
from pafinder.settings import Settings
from tests import databases
from tests.house_rules import check_page
from tests.prepared import prepare_copy

ROOT = Path(__file__).resolve().parent.parent
REAL_CONTENT = ROOT / "content"
FIXTURE_CONTENT = Path(__file__).resolve().parent / "fixtures" / "content"
STAFF_PASSWORD = "correct horse battery staple"


def make_settings(base: Path, content_dir: Path = FIXTURE_CONTENT, **env: str) -> Settings:
    values = {
        "PAFINDER_DATA_DIR": str(base / "var"),
        "PAFINDER_CONTENT_DIR": str(content_dir),
        "PAFINDER_SITE_DIR": str(base / "site"),
        "PAFINDER_INDEX_DIR": str(base / "search_index"),
        "PAFINDER_SECRET_KEY": "test-secret-key-for-pafinder-tests-only",
    }
    # The PostgreSQL run (PAFINDER_TEST_DATABASE): a fresh database per portal, unless the test
    # chose its own URL.
    if "database_url" not in {k.lower() for k in env} and (url := databases.database_for(base)):
        values["PAFINDER_DATABASE_URL"] = url
    values.update({f"PAFINDER_{k.upper()}": v for k, v in env.items()})
    return Settings.from_env(values)


@pytest.fixture(autouse=True)
def _drop_test_databases() -> Iterator[None]:
    """Drop the PostgreSQL databases this test made (session fixtures' ones are made before
    this runs, so they last until the session ends)."""
    before = databases.created()
    yield
    databases.drop_since(before)


@pytest.fixture(autouse=True, scope="session")
def _drop_session_databases() -> Iterator[None]:
    yield
    databases.drop_all()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL run, leave out the tests that would only repeat the SQLite run's: the
    ones marked database_independent (deselected, not skipped, so nothing reads as skipped)."""
    if not databases.SERVER_URL:
        return
    left_out = [item for item in items if item.get_closest_marker("database_independent")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("database_independent")]


def prepare(settings: Settings) -> None:
    """What `pafinder build` does: migrate, build site/ (feature publishers included), index;
    copied from the first portal prepared the same way when this one is untouched."""
    prepare_copy(settings, prepare_for_real)


def prepare_for_real(settings: Settings) -> None:
    migrate(make_engine(settings.database_url))
    content, _ = build(settings, all_publishers())
    rebuild_pages_index(settings.index_dir, pages_for_index(content))


class PageClient(TestClient):
    """TestClient whose HTML responses all go through the house-rules page helper."""

    def request(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        response = super().request(*args, **kwargs)
        content_type = response.headers.get("content-type", "")
        if content_type.startswith("text/html") and response.status_code != 500:
            check_page(response.text, str(response.url))
        return response

    def csrf(self, path: str) -> str:
        """GET a page with a POST form and return its CSRF token."""
        import re

        html = self.get(path).text
        match = re.search(r'name="csrftoken" value="([^"]+)"', html)
        assert match, f"no csrftoken on {path}"
        return match.group(1)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    s = make_settings(tmp_path)
    prepare(s)
    return s


@pytest.fixture
def client(settings: Settings) -> Iterator[PageClient]:
    with PageClient(create_app(settings), base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture(scope="session")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The real sample content with the demo data (`pafinder seed --demo`), built once per
    session (read-only for tests), so published pages such as events are covered too."""
    from pafinder.cli import seed_demo_if_empty

    s = make_settings(tmp_path_factory.mktemp("real"), REAL_CONTENT)
    migrate(make_engine(s.database_url))
    seed_demo_if_empty(s)
    prepare(s)
    return s


@pytest.fixture(scope="session")
def real_client(real_site: Settings) -> Iterator[PageClient]:
    with PageClient(create_app(real_site), base_url="http://127.0.0.1") as c:
        yield c


def add_staff(
    settings: Settings,
    email: str = "staff@example.org",
    role: str = "staff",
    services: tuple[str, ...] = (),
) -> str:
    """A staff account (password STAFF_PASSWORD); ``services`` limits what it may see."""
    from pafinder.staff import store
    from pafinder.staff.auth import hash_password

    engine = make_engine(settings.database_url)
    store.add_staff(engine, email, hash_password(STAFF_PASSWORD), role, services)
    return email


def sign_in(client: PageClient, email: str, password: str = STAFF_PASSWORD) -> Any:
    token = client.csrf("/staff/sign-in")
    return client.post(
        "/staff/sign-in",
        data={"email": email, "password": password, "csrftoken": token, "next": "/staff/"},
        follow_redirects=False,
    )


# --- A real SMTP server ------------------------------------------------------------------


@dataclass
class Inbox:
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"expected {count} emails, got {len(self.messages)}"
        return self.messages

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in str(m["To"])]


def server_env(
    settings: Settings, leave_out: tuple[str, ...] = ("PAFINDER_SMTP_URL",), **more: str
) -> dict[str, str]:
    """The environment of a `pafinder serve` subprocess with these settings (folders, database,
    the test secret key) over this process's, ``more`` added as PAFINDER_ names
    (``data_key="..."``), the ``leave_out`` variables removed."""
    env = {
        **os.environ,
        "PAFINDER_DATA_DIR": str(settings.data_dir),
        "PAFINDER_DATABASE_URL": settings.database_url,
        "PAFINDER_CONTENT_DIR": str(settings.content_dir),
        "PAFINDER_SITE_DIR": str(settings.site_dir),
        "PAFINDER_INDEX_DIR": str(settings.index_dir),
        "PAFINDER_SECRET_KEY": "test-secret-key-for-pafinder-tests-only",
        **{f"PAFINDER_{k.upper()}": v for k, v in more.items()},
    }
    for name in leave_out:
        env.pop(name, None)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[str, Inbox]]:
    """(PAFINDER_SMTP_URL, inbox) for a real aiosmtpd server on loopback."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", inbox
    finally:
        controller.stop()


def body_text(message: Message) -> str:
    if message.is_multipart():
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                return str(part.get_payload(decode=True).decode())  # type: ignore[union-attr]
        return ""
    return str(message.get_payload(decode=True).decode())  # type: ignore[union-attr]


def copy_content(tmp_path: Path, source: Path = FIXTURE_CONTENT) -> Path:
    target = tmp_path / "content"
    shutil.copytree(source, target)
    return target
