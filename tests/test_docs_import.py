"""docs/import.md (issue 11, point 12): the CSV columns documented in the repository are the
columns the importer reads, and the example in it imports as it stands."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from pafinder.cli import main
from pafinder.register.models import IMPORT_COLUMNS
from tests.conftest import REAL_CONTENT, make_settings, prepare

DOC = Path(__file__).resolve().parent.parent / "docs" / "import.md"


def test_every_column_is_documented_in_the_importers_order() -> None:
    text = DOC.read_text()
    table = re.findall(r"^\| `([a-z_]+)` \|", text, flags=re.MULTILINE)
    assert table == list(IMPORT_COLUMNS)
    example = text.split("```csv\n", 1)[1].split("```", 1)[0]
    assert example.splitlines()[0] == ",".join(IMPORT_COLUMNS)


def test_the_example_imports(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, REAL_CONTENT)
    prepare(settings)
    example = DOC.read_text().split("```csv\n", 1)[1].split("```", 1)[0]
    csv = tmp_path / "example.csv"
    csv.write_text(example)
    env = {
        "PAFINDER_DATA_DIR": str(settings.data_dir),
        "PAFINDER_DATABASE_URL": settings.database_url,
        "PAFINDER_CONTENT_DIR": str(settings.content_dir),
        "PAFINDER_SITE_DIR": str(settings.site_dir),
        "PAFINDER_INDEX_DIR": str(settings.index_dir),
        "PAFINDER_SECRET_KEY": "test-secret-key-for-pafinder-tests-only",
    }
    result = CliRunner().invoke(main, ["import-pas", str(csv)], env=env)
    assert result.exit_code == 0, result.output
