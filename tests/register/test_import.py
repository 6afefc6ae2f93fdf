"""`pafinder import-pas FILE.csv`: all or nothing, `row R, column C: reason` on stderr, exit 1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from pafinder.cli import main
from pafinder.content import load_content
from pafinder.db import make_engine
from pafinder.settings import Settings
from tests.conftest import REAL_CONTENT, make_settings, prepare
from tests.register import pa_rows
from tests.register.test_api import env_of

ROWS = pa_rows.make_rows(load_content(REAL_CONTENT), 6, seed=21)


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = make_settings(tmp_path_factory.mktemp("import"), REAL_CONTENT)
    prepare(settings)
    return settings


def run(settings: Settings, path: Path) -> Any:
    return CliRunner().invoke(main, ["import-pas", str(path)], env=env_of(settings))


def count(settings: Settings) -> int:
    with make_engine(settings.database_url).connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM pas")).scalar_one())


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("areas", "crewe;atlantis", "unknown areas slug 'atlantis'"),
        ("languages", "klingon", "unknown languages slug"),
        ("tasks", "juggling", "unknown tasks slug"),
        ("client_groups", "x", "unknown client_groups slug"),
        ("age_groups", "babies", "unknown age_groups slug"),
        ("availability", "mon-lunch", "unknown availability slug"),
        ("qualifications", "phd", "unknown qualifications slug"),
        ("gender", "robot", "unknown genders slug"),
        ("dbs", "gold", "use one of none, basic"),
        ("dbs_certificate_date", "03/11/2026", "use a date like"),
        ("dbs_certificate_date", "2999-01-01", "in the future"),
        ("dbs_update_service", "maybe", "use yes or no"),
        ("dbs_checked", "1", "use yes or no"),
        ("driving", "true", "use yes or no"),
        ("smoker", "Y", "use yes or no"),
        ("experience_years", "ten", "whole number"),
        ("status", "rejected", "use one of published, pending, withdrawn"),
        ("email", "not-an-email", "not an email address"),
        ("first_name", "", "is empty"),
        ("last_name", "x" * 101, "longer than 100"),
        ("postcode", "NOT A POSTCODE", "not a UK postcode"),
        ("phone", "call me", "not a phone number"),
    ],
)
def test_a_bad_row_aborts_everything(
    portal: Settings, tmp_path: Path, column: str, value: str, reason: str
) -> None:
    rows = [dict(r) for r in ROWS]
    rows[2][column] = value  # the third listing: row 4 counting the header as row 1
    before = count(portal)
    result = run(portal, pa_rows.write_csv(tmp_path / "bad.csv", rows))
    assert result.exit_code == 1
    assert f"row 4, column {column}: " in result.stderr
    assert reason in result.stderr
    assert "Imported" not in result.stdout
    assert count(portal) == before


def test_header_problems(portal: Settings, tmp_path: Path) -> None:
    columns = [c for c in pa_rows.COLUMNS if c != "dbs"]
    rows = [{k: v for k, v in r.items() if k != "dbs"} for r in ROWS]
    result = run(portal, pa_rows.write_csv(tmp_path / "a.csv", rows, columns))
    assert result.exit_code == 1 and "row 1, column dbs: this column is missing" in result.stderr
    rows = [dict(r, shoe_size="9") for r in ROWS]
    result = run(
        portal, pa_rows.write_csv(tmp_path / "b.csv", rows, [*pa_rows.COLUMNS, "shoe_size"])
    )
    assert result.exit_code == 1 and "row 1, column shoe_size: unknown column" in result.stderr
    path = tmp_path / "c.csv"
    path.write_bytes(b"first_name\n" + "Zoë".encode("latin-1"))
    assert run(portal, path).exit_code == 1
    path.write_text(",".join(pa_rows.COLUMNS) + "\nonly,three,cells\n", encoding="utf-8")
    result = run(portal, path)
    assert result.exit_code == 1 and "row 2, column -: expected 22 values, found 3" in result.stderr
    assert count(portal) == 0


def test_good_file_imports_all_rows_and_indexes_them(portal: Settings, tmp_path: Path) -> None:
    path = pa_rows.write_csv(tmp_path / "good.csv", ROWS)
    # A byte order mark and a trailing blank line, as spreadsheets write them.
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes() + b"\r\n")
    result = run(portal, path)
    assert result.exit_code == 0, result.output
    assert f"Imported {len(ROWS)} PA listings." in result.stdout
    assert count(portal) == len(ROWS)
    from pafinder.app import create_app
    from tests.conftest import PageClient

    published = [r for r in ROWS if r["status"] == "published"]
    with PageClient(create_app(portal), base_url="http://127.0.0.1") as client:
        body = client.get("/api/pas", params={"per_page": 100}).json()
        assert body["total"] == len(published)
        # The import rebuilt the text index: a listing's own words find it.
        word = published[0]["about"].split()[0]  # "RowN"
        hits = client.get("/api/pas", params={"q": word}).json()["results"]
        assert [h["about"] for h in hits] == [published[0]["about"]]
