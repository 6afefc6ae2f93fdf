"""pafinder build: deterministic output, golden files, and refusing broken content."""

from __future__ import annotations

import filecmp
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pafinder.build import build, render_site
from pafinder.cli import main
from pafinder.content import load_content
from tests.conftest import FIXTURE_CONTENT, copy_content, make_settings, prepare

# What a database changes is not what these check: the PostgreSQL run leaves them out.
pytestmark = pytest.mark.database_independent

GOLDEN = Path(__file__).parent / "golden"
# Compiled front-end files come from npm packages; the golden files cover what we render.
RENDERED = (".html", ".xml", ".txt", ".css", ".ics", ".json")


# Hashed copies of the assets (app.3f9c2b1a7d.css) are the plain files again, and their names
# depend on the compiled front end: pages are compared with the hash written as HASH.
HASHED_NAME = re.compile(rb"\.[0-9a-f]{10}\.(css|js)\b")
# A large-print PDF's size depends on the machine's fonts and WeasyPrint's version, not on what
# we render: the link is compared with its size written as N (tests/large_print checks the size).
PDF_SIZE = re.compile(rb"\(PDF, [0-9.]+ [KM]B\)")


def rendered_files(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site).as_posix(): PDF_SIZE.sub(
            b"(PDF, N KB)", HASHED_NAME.sub(rb".HASH.\1", p.read_bytes())
        )
        for p in sorted(site.rglob("*"))
        if p.is_file()
        and p.suffix in RENDERED
        and p.name != "app.css"
        and not HASHED_NAME.search(p.name.encode())
    }


def test_building_twice_gives_identical_files(tmp_path: Path) -> None:
    first = make_settings(tmp_path / "one")
    second = make_settings(tmp_path / "two")
    build(first)
    build(second)
    comparison = filecmp.dircmp(first.site_dir, second.site_dir)
    assert rendered_files(first.site_dir) == rendered_files(second.site_dir)
    assert not comparison.left_only and not comparison.right_only


def test_build_matches_golden_files(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    prepare(settings)  # what `pafinder build` writes, feature publishers included
    actual = rendered_files(settings.site_dir)
    if os.environ.get("PAFINDER_REGENERATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel, data in actual.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_bytes(data)
    expected = rendered_files(GOLDEN)
    assert sorted(actual) == sorted(expected), "files differ: run `make golden` if intended"
    for rel in expected:
        assert actual[rel] == expected[rel], (
            f"{rel} differs from tests/golden/: `make golden` if intended"
        )


def test_build_writes_every_page_and_the_site_files(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    content, files = build(settings)
    for page in content.pages:
        assert f"{page.section}/{page.slug}/index.html" in files
    for name in (
        "index.html",
        "404.html",
        "sitemap.xml",
        "robots.txt",
        "services/index.html",
        "assets/app.css",
        "assets/theme.css",
        "assets/app.js",
    ):
        assert (settings.site_dir / name).is_file(), name
    sitemap = (settings.site_dir / "sitemap.xml").read_text()
    assert (
        "<loc>http://127.0.0.1:8000/help/paying-a-pa/</loc><lastmod>2026-10-01</lastmod>" in sitemap
    )
    assert "404" not in sitemap
    assert "Disallow: /staff/" in (settings.site_dir / "robots.txt").read_text()


def test_raw_html_in_content_is_escaped(tmp_path: Path) -> None:
    content_dir = copy_content(tmp_path)
    page = content_dir / "pages" / "help" / "paying-a-pa.md"
    page.write_text(page.read_text() + "\n<script>alert('x')</script>\n")
    files = render_site(load_content(content_dir), make_settings(tmp_path, content_dir))
    html = files["help/paying-a-pa/index.html"].decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


@pytest.mark.parametrize(
    ("front_matter", "line", "reason"),
    [
        ("title: Paying\nsummary: [unclosed\norder: 1\n", 4, "flow sequence that starts on line 3"),
        (
            "title: Paying\nsummary: Fine\norder: first\nlast_reviewed: 2026-10-01\n",
            4,
            "'order' must be int",
        ),
        ("title: Paying\nsummary: Fine\norder: 1\n", 2, "missing 'last_reviewed'"),
    ],
)
def test_broken_front_matter_fails_with_file_and_line_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, front_matter: str, line: int, reason: str
) -> None:
    content_dir = copy_content(tmp_path)
    broken = content_dir / "pages" / "help" / "broken.md"
    broken.write_text(f"---\n{front_matter}---\nBody text.\n")
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    (site_dir / "keep.html").write_text("previous build")
    for key, value in {
        "CONTENT_DIR": content_dir,
        "SITE_DIR": site_dir,
        "INDEX_DIR": tmp_path / "idx",
        "DATA_DIR": tmp_path / "var",
    }.items():
        monkeypatch.setenv(f"PAFINDER_{key}", str(value))

    result = CliRunner().invoke(main, ["build"])

    assert result.exit_code == 1
    assert f"{broken}:{line}:" in result.output
    assert reason in result.output
    assert [p.name for p in site_dir.iterdir()] == ["keep.html"], "nothing may be written"
    assert not (tmp_path / "site.new").exists()


def test_page_in_unknown_section_is_refused(tmp_path: Path) -> None:
    content_dir = copy_content(tmp_path)
    stray = content_dir / "pages" / "nowhere"
    stray.mkdir()
    shutil.copy(FIXTURE_CONTENT / "pages" / "help" / "paying-a-pa.md", stray / "x.md")
    with pytest.raises(ValueError, match=r"x\.md:1: folder 'nowhere' is not a section"):
        load_content(content_dir)
