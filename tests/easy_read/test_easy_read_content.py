"""The Easy Read reader (content/easy-read/*.md): a broken file is refused with its path and
line before anything is written; what a file says is escaped; a deployment without Easy Read
pages builds as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from pafinder.build import build
from pafinder.content import ContentError, load_content
from pafinder.easy_read.pages import load_page
from pafinder.easy_read.render import PICTURES_DIR, check_pictures
from tests.conftest import copy_content, make_settings

# What a database changes is not what these check: the PostgreSQL run leaves them out.
pytestmark = pytest.mark.database_independent

FRONT = """---
title: "Easy Read: a test"
summary: A test page.
order: 10
last_reviewed: 2026-12-01
standard: /about/a-page/
standard_title: A page
---
"""


def write(tmp_path: Path, body: str, front: str = FRONT, name: str = "a-test.md") -> Path:
    folder = tmp_path / "easy-read"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(front + body, encoding="utf-8")
    return path


def test_a_point_is_its_picture_then_one_sentence_a_line(tmp_path: Path) -> None:
    page = load_page(
        write(tmp_path, "## Heading\n\n![A phone](phone) You can phone us.\nWe will listen.\n")
    )
    assert page.url == "/easy-read/a-test/"
    assert page.standard == "/about/a-page/" and page.standard_title == "A page"
    heading, point = page.blocks
    assert getattr(heading, "text", None) == "Heading"
    assert point.picture == "phone" and point.alt == "A phone"  # type: ignore[union-attr]
    assert [str(line) for line in point.lines] == ["You can phone us.", "We will listen."]  # type: ignore[union-attr]
    assert point.picture_url == "/assets/images/easy-read/phone.svg"  # type: ignore[union-attr]


def test_links_get_the_govuk_class_and_markup_is_escaped(tmp_path: Path) -> None:
    page = load_page(
        write(tmp_path, "![](tick) Read <script>alert(1)</script> [this](/complaints).\n")
    )
    (line,) = page.points[0].lines
    assert "<script>" not in line and "&lt;script&gt;" in line
    assert '<a href="/complaints" class="govuk-link">this</a>' in line


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("## Heading\n\nNo picture here.\n", 11, "must start with its picture"),
        ("![](tick) Fine.\n\n### Small heading\n", 11, "use '##' headings only"),
        ("![](tick) Fine.\n\n- a list\n- of things\n", 11, "only '##' headings and points"),
        ("![](Phone_1) Words.\n", 9, "must be a name like 'phone'"),
        ("![](tick)\n", 9, "has no words"),
        ("## Only a heading\n", 9, "needs at least one point"),
    ],
)
def test_a_broken_page_is_refused_with_its_line(
    tmp_path: Path, body: str, line: int, message: str
) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ContentError, match=message) as caught:
        load_page(path)
    assert str(caught.value).startswith(f"{path}:{line}:"), str(caught.value)


@pytest.mark.parametrize(
    ("front", "message"),
    [
        (FRONT.replace("standard: /about/a-page/\n", ""), "missing 'standard'"),
        (FRONT.replace("standard_title: A page\n", ""), "missing 'standard_title'"),
        (FRONT.replace("/about/a-page/", "https://example.org/"), "a path on this site"),
        (FRONT.replace("order: 10", "order: ten"), "'order' must be int"),
    ],
)
def test_broken_front_matter_is_refused(tmp_path: Path, front: str, message: str) -> None:
    with pytest.raises(ContentError, match=message):
        load_page(write(tmp_path, "![](tick) Fine.\n", front=front))


def test_a_picture_that_is_not_drawn_is_refused(tmp_path: Path) -> None:
    page = load_page(write(tmp_path, "![](no-such-picture) Words.\n"))
    assert PICTURES_DIR.is_dir(), "run `make assets`: the pictures come with the front end"
    with pytest.raises(ContentError, match="no picture called no-such-picture"):
        check_pictures([page])
    check_pictures([load_page(write(tmp_path, "![](tick) Words.\n"))])


def test_a_broken_easy_read_page_stops_the_build_and_leaves_the_site(tmp_path: Path) -> None:
    content_dir = copy_content(tmp_path)
    settings = make_settings(tmp_path, content_dir)
    build(settings)
    before = sorted(p.relative_to(settings.site_dir) for p in settings.site_dir.rglob("*"))
    write(content_dir, "Words with no picture.\n")
    with pytest.raises(ContentError):
        build(settings)
    after = sorted(p.relative_to(settings.site_dir) for p in settings.site_dir.rglob("*"))
    assert before == after


def test_without_easy_read_pages_nothing_changes(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)  # the test fixture content: no easy-read folder
    content, files = build(settings)
    assert content.easy_read == []
    assert not [name for name in files if name.startswith("easy-read/")]
    assert b"/easy-read/" not in files["index.html"]


def test_a_deployment_with_easy_read_pages_builds_them(tmp_path: Path) -> None:
    content_dir = copy_content(tmp_path)
    write(content_dir, "![](tick) Words.\n", front=FRONT.replace("/about/a-page/", "/"))
    write(content_dir, "![](easy-read) The list.\n", front=FRONT, name="index.md")
    content = load_content(content_dir)
    assert [p.slug for p in content.easy_read] == ["index", "a-test"]
    _, files = build(make_settings(tmp_path, content_dir))
    assert b'href="/easy-read/a-test/"' in files["index.html"]  # the home page links to it
    assert b'href="/easy-read/a-test/"' in files["easy-read/index.html"]
    assert b'href="/"' in files["easy-read/a-test/index.html"]


PICTURES_SOURCE = Path(__file__).resolve().parents[2] / "frontend" / "easy-read"


def test_every_picture_is_a_plain_svg() -> None:
    """Our own drawings: well-formed SVG, square, no words drawn in (they would not be read
    out or translated), nothing that runs or loads."""
    from xml.etree import ElementTree

    names = sorted(PICTURES_SOURCE.glob("*.svg"))
    assert len(names) >= 20
    for path in names:
        root = ElementTree.parse(path).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg", path.name
        assert root.get("viewBox") == "0 0 64 64", path.name
        tags = {element.tag.split("}")[-1] for element in root.iter()}
        assert not tags & {"text", "script", "image", "foreignObject", "a", "use"}, path.name
        assert "href" not in path.read_text(encoding="utf-8"), path.name


def test_every_picture_the_sample_content_names_is_drawn() -> None:
    from tests.conftest import REAL_CONTENT

    pages = load_content(REAL_CONTENT).easy_read
    check_pictures(pages, PICTURES_SOURCE)  # the source folder, as frontend/build.mjs copies it
