"""The base URL rule (CONTRACT "Base URL", issue 11 point 12): without PAFINDER_BASE_URL,
`pafinder serve` and `pafinder demo` use the host and port they serve on for links in emails
(127.0.0.1 for a wildcard host); with it set, it wins; and serve warns when site/ was built for
another base URL."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pafinder.cli import main
from tests.conftest import make_settings, prepare


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    settings = make_settings(tmp_path)
    prepare(settings)  # builds site/ for the default http://127.0.0.1:8000
    env = {
        "PAFINDER_DATA_DIR": str(settings.data_dir),
        "PAFINDER_DATABASE_URL": settings.database_url,
        "PAFINDER_CONTENT_DIR": str(settings.content_dir),
        "PAFINDER_SITE_DIR": str(settings.site_dir),
        "PAFINDER_INDEX_DIR": str(settings.index_dir),
        "PAFINDER_SECRET_KEY": "test-secret-key-for-pafinder-tests-only",
        # Empty counts as unset; monkeypatch puts the real value (or none) back afterwards.
        "PAFINDER_BASE_URL": "",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    calls: dict[str, Any] = {}

    def fake_run(app: Any, **options: Any) -> None:
        calls["app"], calls["options"] = app, options
        calls["env"] = os.environ.get("PAFINDER_BASE_URL")

    monkeypatch.setattr("pafinder.cli.uvicorn.run", fake_run)
    return calls


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "http://127.0.0.1:8123"),
        ("0.0.0.0", "http://127.0.0.1:8123"),
        ("portal.example.org", "http://portal.example.org:8123"),
        ("::1", "http://[::1]:8123"),
    ],
)
def test_serve_links_to_the_port_it_serves_on(
    served: dict[str, Any], host: str, expected: str
) -> None:
    result = CliRunner().invoke(main, ["serve", "--host", host, "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert served["app"].state.settings.base_url == expected
    assert served["env"] == expected  # what worker processes read too
    assert "was built for another base URL" in result.output  # site/ says :8000


def test_several_workers_read_the_same_base_url(served: dict[str, Any]) -> None:
    result = CliRunner().invoke(main, ["serve", "--port", "9001", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert served["app"] == "pafinder.asgi:app"
    assert served["env"] == "http://127.0.0.1:9001"


def test_a_set_base_url_wins_and_a_matching_site_gives_no_warning(
    served: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAFINDER_BASE_URL", "http://127.0.0.1:8000")
    result = CliRunner().invoke(main, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert served["app"].state.settings.base_url == "http://127.0.0.1:8000"
    assert "another base URL" not in result.output


def test_demo_builds_site_for_the_port_it_serves_on(served: dict[str, Any]) -> None:
    result = CliRunner().invoke(main, ["demo", "--port", "8124"])
    assert result.exit_code == 0, result.output
    settings = served["app"].state.settings
    assert settings.base_url == "http://127.0.0.1:8124"
    robots = (settings.site_dir / "robots.txt").read_text()
    assert "Sitemap: http://127.0.0.1:8124/sitemap.xml" in robots
    assert "another base URL" not in result.output
