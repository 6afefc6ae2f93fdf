from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pafinder.app import create_app
from pafinder.settings import Settings
from tests.conftest import PageClient
from tests.referrals.helpers import portal


@pytest.fixture
def ref_settings(tmp_path: Path) -> Settings:
    return portal(tmp_path)


@pytest.fixture
def ref_client(ref_settings: Settings) -> Iterator[PageClient]:
    with PageClient(create_app(ref_settings), base_url="http://127.0.0.1") as c:
        yield c
