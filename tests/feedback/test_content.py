"""`outcome_statements` in a service's YAML: optional, but a bad entry stops `pafinder build`
with the file, the line and what is wrong, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pafinder.cli import main
from pafinder.content import ContentError, OutcomeStatement, load_content
from tests.conftest import copy_content

GOOD = """
outcome_statements:
  - id: less-alone
    text: I feel less alone.
  - id: more-confident
    text: "  I feel more confident.  "
"""


def _with(tmp_path: Path, block: str) -> tuple[Path, Path]:
    content = copy_content(tmp_path)
    service = content / "services" / "peer-support.yaml"
    service.write_text(service.read_text() + block)
    return content, service


def test_statements_are_read_in_order(tmp_path: Path) -> None:
    content, _ = _with(tmp_path, GOOD)
    service = load_content(content).service("peer-support")
    assert service is not None
    assert service.outcome_statements == (
        OutcomeStatement("less-alone", "I feel less alone."),
        OutcomeStatement("more-confident", "I feel more confident."),
    )


def test_no_statements_is_allowed(tmp_path: Path) -> None:
    service = load_content(copy_content(tmp_path)).service("peer-support")
    assert service is not None and service.outcome_statements == ()


@pytest.mark.parametrize(
    ("block", "line", "message"),
    [
        ("outcome_statements: I feel fine\n", 0, "must be a list of '- id: ...' items"),
        (
            "outcome_statements:\n  - id: Less_Alone\n    text: I feel less alone.\n",
            1,
            "id 'Less_Alone' must be a kebab-case slug",
        ),
        (
            "outcome_statements:\n  - id: 12\n    text: I feel less alone.\n",
            1,
            "id 12 must be a kebab-case slug",
        ),
        (
            "outcome_statements:\n  - id: a\n    text: One.\n  - id: a\n    text: Two.\n",
            3,
            "outcome statement id 'a' is used twice",
        ),
        ("outcome_statements:\n  - id: a\n    text: ''\n", 1, "'a' needs its text"),
        ("outcome_statements:\n  - id: a\n", 0, "must have exactly 'id' and 'text'"),
        (
            "outcome_statements:\n  - id: a\n    text: x\n    label: y\n",
            0,
            "must have exactly 'id' and 'text'",
        ),
        ("outcome_statements:\n  - just text\n", 0, "must have exactly 'id' and 'text'"),
        (
            "outcome_statements:\n  - id: a\n    text: " + "x" * 201 + "\n",
            1,
            "must be 200 characters or fewer",
        ),
        (
            "outcome_statements:\n"
            + "".join(f"  - id: s{n}\n    text: I feel {n}.\n" for n in range(13)),
            0,
            "at most 12 outcome statements",
        ),
    ],
)
def test_a_bad_entry_names_the_file_and_line(
    tmp_path: Path, block: str, line: int, message: str
) -> None:
    content, service = _with(tmp_path, block)
    first = service.read_text().count("\n") - block.count("\n") + 1  # the outcome_statements line
    with pytest.raises(ContentError) as raised:
        load_content(content)
    assert f"{service}:{first + line}: " in str(raised.value)
    assert message in str(raised.value)


def test_pafinder_build_fails_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content, service = _with(tmp_path, "outcome_statements:\n  - id: Bad Id\n    text: x\n")
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    (site_dir / "keep.html").write_text("previous build")
    for key, value in {
        "CONTENT_DIR": content,
        "SITE_DIR": site_dir,
        "INDEX_DIR": tmp_path / "idx",
        "DATA_DIR": tmp_path / "var",
    }.items():
        monkeypatch.setenv(f"PAFINDER_{key}", str(value))
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 1
    assert f"{service}:" in result.output
    assert "id 'Bad Id' must be a kebab-case slug" in result.output
    assert [p.name for p in site_dir.iterdir()] == ["keep.html"]
