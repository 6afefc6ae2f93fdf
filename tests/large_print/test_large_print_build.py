"""Large print (issue 14, point 4): `pafinder build` writes a PDF of every information page
beside it, with 18 pt text or larger, holding the page's words, title, review date, the
portal's name and contacts and page numbers; each page links to its PDF with the file's size;
an unchanged page's PDF is reused (from memory, or from the site being replaced) and a changed
one rendered again; building twice gives the same bytes."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pafinder.build import build
from pafinder.content import Content, load_content
from pafinder.large_print import render, reuse, site
from pafinder.large_print.site import pdf_path
from pafinder.settings import Settings
from tests.conftest import FIXTURE_CONTENT, PageClient, copy_content, make_settings
from tests.large_print.helpers import pdf_info, pdf_text, word_heights, words

# What a database changes is not what these check: the PostgreSQL run leaves them out.
pytestmark = pytest.mark.database_independent

# 18 pt; pdftotext's word box is the font's ascent and descent, a little over its size.
LARGE_PRINT_PT = 18


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The print documents WeasyPrint is asked to render, from an empty memory."""
    rendered: list[str] = []
    real = site.render_pdf

    def counting(print_html: str, key: str) -> bytes:
        rendered.append(print_html)
        return real(print_html, key)

    monkeypatch.setattr(site, "render_pdf", counting)
    reuse.forget()
    yield rendered
    reuse.forget()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Content]:
    settings = make_settings(tmp_path_factory.mktemp("large-print"))
    content, _ = build(settings)
    return settings, content


def test_every_information_page_has_a_pdf_holding_its_words(
    built: tuple[Settings, Content],
) -> None:
    settings, content = built
    assert content.pages
    pdfs = sorted(
        p.relative_to(settings.site_dir).as_posix() for p in settings.site_dir.rglob("*.pdf")
    )
    assert pdfs == sorted(pdf_path(page) for page in content.pages)
    sections = {s.slug: s.title for s in content.site.sections}
    for page in content.pages:
        path = settings.site_dir / pdf_path(page)
        info = pdf_info(path)  # poppler opens it
        assert info["Title"] == f"{page.title} (large print) - {content.site.name}"
        assert info["Tagged"] == "yes"
        assert info["Page size"].endswith("(A4)")
        text = pdf_text(path)
        day = f"{page.last_reviewed.day} {page.last_reviewed:%B %Y}"
        for expected in (
            page.title,
            page.summary,
            sections[page.section],
            f"Last reviewed: {day}",
            content.site.name,
            f"Phone: {content.site.phone}",
            f"Email: {content.site.email}",
            f"Opening hours: {content.site.opening_hours}",
            "Page 1 of",
        ):
            assert expected in text, f"{path}: {expected!r} missing"
        missing = set(words(page.text)) - set(words(text))
        assert not missing, f"{path}: words of the page missing: {sorted(missing)}"


def test_a_crisis_page_carries_the_get_help_now_box(built: tuple[Settings, Content]) -> None:
    settings, content = built
    crisis = [page for page in content.pages if page.crisis]
    assert crisis, "the fixture content has a crisis page"
    for page in crisis:
        text = pdf_text(settings.site_dir / pdf_path(page))
        assert "Get help now" in text and "116 123" in text


def test_every_word_is_18_point_or_larger(built: tuple[Settings, Content]) -> None:
    settings, content = built
    for page in content.pages:
        heights = word_heights(settings.site_dir / pdf_path(page))
        assert heights
        small = [(word, round(h, 1)) for word, h in heights if h < LARGE_PRINT_PT]
        assert not small, f"{pdf_path(page)}: words under {LARGE_PRINT_PT} pt: {small[:10]}"


def test_the_layout_sets_every_text_box_at_18_point_or_more() -> None:
    """WeasyPrint's own layout boxes (CSS px: 18 pt is 24 px), headings larger than the text."""
    import weasyprint
    from weasyprint.formatting_structure import boxes

    from pafinder.large_print.document import PrintPage, print_html
    from pafinder.large_print.render import stylesheet_text

    content = load_content(FIXTURE_CONTENT)
    page = content.pages[0]
    section = next(s for s in content.site.sections if s.slug == page.section)
    source = print_html(PrintPage(page, section, "http://x" + page.url), content.site, "http://x")
    document = weasyprint.HTML(string=source).render(
        stylesheets=[weasyprint.CSS(string=stylesheet_text())]
    )

    def text_boxes(box: boxes.Box) -> Iterator[boxes.TextBox]:
        if isinstance(box, boxes.TextBox):
            yield box
        for child in box.all_children() if isinstance(box, boxes.ParentBox) else ():
            yield from text_boxes(child)

    smallest: dict[str, float] = {}  # by element: the smallest text in any h1, p, li...
    for sheet in document.pages:
        for box in text_boxes(sheet._page_box):
            size = box.style["font_size"]
            assert size >= 24, f"{box.text!r} at {size} px"
            smallest[box.element_tag] = min(size, smallest.get(box.element_tag, size))
    assert smallest["p"] == 24  # the body text is 18 pt
    assert smallest["h1"] > smallest["h2"] > smallest["p"]


def test_each_page_links_its_pdf_with_the_file_size(built: tuple[Settings, Content]) -> None:
    settings, content = built
    for page in content.pages:
        html = (settings.site_dir / page.url.strip("/") / "index.html").read_text()
        size = (settings.site_dir / pdf_path(page)).stat().st_size
        link = re.findall(
            r'<a class="govuk-link" href="([^"]+)">Large print version \(([^)]*)\)</a>', html
        )
        assert link == [(f"{page.url}large-print.pdf", f"PDF, {math.ceil(size / 1024)} KB")]


def test_links_in_the_page_are_printed_as_full_addresses(
    built: tuple[Settings, Content],
) -> None:
    settings, content = built
    linked = [page for page in content.pages if 'href="/' in page.html]
    assert linked
    for page in linked:
        # A long address wraps across lines (pdftotext joins a line ending in a hyphen).
        text = re.sub(r"[\s-]", "", pdf_text(settings.site_dir / pdf_path(page)))
        for href in re.findall(r'href="(/[^"]*)"', page.html):
            assert f"({settings.base_url}{href})".replace("-", "") in text
        assert f"Thispageonline:{settings.base_url}{page.url}".replace("-", "") in text


def test_building_twice_from_nothing_gives_the_same_pdfs(
    tmp_path: Path, renders: list[str]
) -> None:
    first, second = make_settings(tmp_path / "one"), make_settings(tmp_path / "two")
    render.reset()  # the first with fonts loaded afresh, as in a new process; the second not
    content, _ = build(first)
    reuse.forget()
    build(second)
    assert len(renders) == 2 * len(content.pages)  # both rendered, none reused
    for page in content.pages:
        one = (first.site_dir / pdf_path(page)).read_bytes()
        assert one == (second.site_dir / pdf_path(page)).read_bytes()


def test_a_rebuild_renders_only_the_changed_page(tmp_path: Path, renders: list[str]) -> None:
    content_dir = copy_content(tmp_path)
    settings = make_settings(tmp_path, content_dir)
    content, _ = build(settings)
    assert len(renders) == len(content.pages)
    before = {p.url: (settings.site_dir / pdf_path(p)).read_bytes() for p in content.pages}

    # No change: nothing rendered, from memory or (a new process) from the site replaced.
    renders.clear()
    build(settings)
    reuse.forget()
    build(settings)
    assert renders == []

    changed = content.pages[0]
    changed.source.write_text(
        changed.source.read_text() + "\nA sentence added for the large print test.\n"
    )
    reuse.forget()  # as a new `pafinder build` process: only site/ to reuse from
    content, _ = build(settings)
    assert len(renders) == 1 and changed.title in renders[0]
    for page in content.pages:
        after = (settings.site_dir / pdf_path(page)).read_bytes()
        assert (after == before[page.url]) is (page.url != changed.url), page.url
    assert "A sentence added for the large print test." in pdf_text(
        settings.site_dir / pdf_path(changed)
    )
    html = (settings.site_dir / changed.url.strip("/") / "index.html").read_text()
    size = (settings.site_dir / pdf_path(changed)).stat().st_size
    assert f"(PDF, {math.ceil(size / 1024)} KB)" in html


def test_a_change_to_the_portals_contacts_renders_every_pdf_again(
    tmp_path: Path, renders: list[str]
) -> None:
    content_dir = copy_content(tmp_path)
    settings = make_settings(tmp_path, content_dir)
    content, _ = build(settings)
    renders.clear()
    site_yaml = content_dir / "site.yaml"
    site_yaml.write_text(site_yaml.read_text().replace(content.site.phone, "0300 123 4567"))
    build(settings)
    assert len(renders) == len(content.pages)
    assert "Phone: 0300 123 4567" in pdf_text(settings.site_dir / pdf_path(content.pages[0]))


def test_a_pdf_from_other_source_is_not_reused(tmp_path: Path) -> None:
    old = tmp_path / "large-print.pdf"
    old.write_bytes(b"%PDF-1.7\n/ID [(" + b"0" * 64 + b") (x)]")
    data, how = reuse.pdf_for("1" * 64, old, lambda: b"%PDF-new")
    assert (data, how) == (b"%PDF-new", "rendered")
    reuse.forget()
    data, how = reuse.pdf_for("0" * 64, old, lambda: b"%PDF-new")
    assert how == "previous" and data == old.read_bytes()
    reuse.forget()


def test_the_portal_serves_the_pdfs(settings: Settings, client: PageClient) -> None:
    content = load_content(settings.content_dir)
    page = content.pages[0]
    html = client.get(page.url).text
    href = re.search(r'href="([^"]+large-print\.pdf)"', html)
    assert href
    response = client.get(href.group(1))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content == (settings.site_dir / pdf_path(page)).read_bytes()
