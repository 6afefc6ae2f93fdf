"""The known data sets of tests/reports/helpers.py, built once per session: the tests only
read them (signing in and producing returns adds audit rows, never figures)."""

from __future__ import annotations

import pytest

from pafinder.settings import Settings
from tests.reports import helpers


@pytest.fixture(scope="session")
def carers_portal(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = helpers.portal(tmp_path_factory.mktemp("carers-returns"))
    helpers.carers_data(settings)
    return settings


@pytest.fixture(scope="session")
def dps_portal(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    base = tmp_path_factory.mktemp("dps-returns")
    settings = helpers.portal(base)
    helpers.dps_data(base, settings)
    return settings
