from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pafinder.app import create_app
from pafinder.settings import Settings
from tests.conftest import PageClient
from tests.referrals.helpers import portal


@pytest.fixture
def fb_settings(tmp_path: Path) -> Settings:
    """A migrated portal on the real content (every service has outcome statements)."""
    return portal(tmp_path)


@pytest.fixture
def fb_client(fb_settings: Settings) -> Iterator[PageClient]:
    with PageClient(create_app(fb_settings), base_url="http://127.0.0.1") as c:
        yield c
