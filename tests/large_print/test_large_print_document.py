"""The print document: link addresses written out for paper, what content says escaped, and
any content at all (script tags, emoji, right-to-left text, images from elsewhere, a very long
page) built to a PDF without fetching anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from pafinder.build import build
from pafinder.large_print import reuse
from pafinder.large_print.document import print_links
from pafinder.large_print.render import source_key
from pafinder.large_print.site import file_size, pdf_path
from tests.conftest import copy_content, make_settings
from tests.large_print.helpers import pdf_text

pytestmark = pytest.mark.database_independent

BASE = "https://pa.example.org"


def test_a_site_link_gets_its_full_address_after_its_words() -> None:
    body = '<p>See <a href="/help/paying-a-pa/" class="govuk-link">paying a PA</a>.</p>'
    assert print_links(body, BASE) == (
        '<p>See <a href="https://pa.example.org/help/paying-a-pa/" class="govuk-link">'
        'paying a PA</a><span class="lp-address"> (https://pa.example.org/help/paying-a-pa/)'
        "</span>.</p>"
    )


@pytest.mark.parametrize(
    ("body", "printed"),
    [
        ('<a href="https://gov.uk/x" class="govuk-link">GOV.UK</a>', " (https://gov.uk/x)"),
        (
            '<a href="mailto:help@example.org" class="govuk-link">email us</a>',
            " (help@example.org)",
        ),
        ('<a href="tel:01154960123" class="govuk-link">call</a>', " (01154960123)"),
        ('<a href="/a?b=1&amp;c=2" class="govuk-link">a</a>', f" ({BASE}/a?b=1&amp;c=2)"),
    ],
)
def test_other_addresses_are_printed_as_a_reader_would_use_them(body: str, printed: str) -> None:
    assert f'<span class="lp-address">{printed}</span>' in print_links(body, BASE)


@pytest.mark.parametrize(
    "body",
    [
        '<a href="#contents" class="govuk-link">Contents</a>',
        '<a href="https://gov.uk/" class="govuk-link">https://gov.uk/</a>',
        '<a href="mailto:help@example.org" class="govuk-link">help@example.org</a>',
        '<a href="https://gov.uk/" class="govuk-link"><strong>https://gov.uk/</strong></a>',
    ],
)
def test_no_address_is_printed_twice_or_for_a_fragment(body: str) -> None:
    assert "lp-address" not in print_links(body, BASE)


def test_source_key_changes_with_the_html_and_the_stylesheet(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pafinder.large_print import render

    key = source_key("<p>a</p>")
    assert key == source_key("<p>a</p>") and key != source_key("<p>b</p>")
    monkeypatch.setattr(render, "stylesheet_text", lambda: "html { font-size: 20pt; }")
    assert source_key("<p>a</p>") != key


@pytest.mark.parametrize(
    ("size", "shown"),
    [(1, "1 KB"), (1024, "1 KB"), (1025, "2 KB"), (15 * 1024 + 7, "16 KB"), (3 << 20, "3.0 MB")],
)
def test_file_size_as_gov_uk_shows_it(size: int, shown: str) -> None:
    assert file_size(size) == shown


HOSTILE = """
<script>alert("x")</script> Emoji 🙂🏳️‍🌈, Polish zażółć gęślą jaźń, Urdu اردو, Arabic مرحبا.

![A picture from elsewhere](https://images.example.invalid/never-fetched.png)
![A picture on the site](/assets/images/favicon.svg)

[A link <script>](javascript:alert(1))

| Column | Other |
| --- | --- |
| a cell with a very long word: Pneumonoultramicroscopicsilicovolcanoconiosis | b |
"""


def test_any_content_builds_to_a_pdf_without_fetching_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import urllib.request

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the build fetched something")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    content_dir = copy_content(tmp_path)
    page = next((content_dir / "pages").glob("*/*.md"))
    long_part = "\n\n".join(f"Paragraph {n} of a very long page." for n in range(400))
    page.write_text(page.read_text() + HOSTILE + long_part)
    settings = make_settings(tmp_path, content_dir)
    reuse.forget()
    content, _ = build(settings)
    changed = next(p for p in content.pages if p.source == page)
    text = pdf_text(settings.site_dir / pdf_path(changed))
    assert '<script>alert("x")</script>' in text  # shown as words, never run
    assert "zażółć gęślą jaźń" in text
    assert "Paragraph 399 of a very long page." in text
    assert "Pneumonoultramicroscopicsilicovolcanoconiosis" in text
    reuse.forget()


def test_a_page_whose_pdf_cannot_be_made_fails_the_build_naming_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pafinder.content import ContentError
    from pafinder.large_print import site

    def broken(print_html: str, key: str) -> bytes:
        raise RuntimeError("no fonts")

    monkeypatch.setattr(site, "render_pdf", broken)
    settings = make_settings(tmp_path, copy_content(tmp_path))
    reuse.forget()
    with pytest.raises(ContentError, match=r"\.md:1: its large print PDF could not be made"):
        build(settings)
    assert not settings.site_dir.exists()  # nothing written
