"""The build's part: every information page's large-print PDF, and the link each page shows.

build.render_site calls build_large_print before it renders the pages (a page's link shows its
PDF's size), puts ``link_for`` into the templates and the PDFs into the site."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from pafinder.content import Content, ContentError, Page
from pafinder.large_print.document import PrintPage, print_html
from pafinder.large_print.render import render_pdf, source_key
from pafinder.large_print.reuse import pdf_for

FILE_NAME = "large-print.pdf"


@dataclass(frozen=True)
class Link:
    """The link on a page to its large-print copy (pages/page.html)."""

    href: str
    size: str  # "23 KB", as GOV.UK shows an attachment's size


@dataclass
class LargePrint:
    files: dict[str, bytes] = field(default_factory=dict)
    links: dict[str, Link] = field(default_factory=dict)  # by the page's URL
    how: dict[str, str] = field(default_factory=dict)  # by file: memory, previous or rendered

    def link_for(self, url: str) -> Link | None:
        return self.links.get(url)


def pdf_path(page: Page) -> str:
    """The PDF's place in site/, beside the page's index.html."""
    return f"{page.section}/{page.slug}/{FILE_NAME}"


def file_size(size: int) -> str:
    """'23 KB' (rounded up, so never '0 KB'), or '1.4 MB' from a megabyte."""
    if size < 1024 * 1024:
        return f"{max(1, math.ceil(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def build_large_print(content: Content, base_url: str, previous_site: Path | None) -> LargePrint:
    """Every information page's PDF, reused from memory or ``previous_site`` (the site this
    build replaces) when its source is unchanged."""
    result = LargePrint()
    for section in content.site.sections:
        for page in content.section_pages(section.slug):
            rel = pdf_path(page)
            source = print_html(
                PrintPage(page, section, base_url + page.url), content.site, base_url
            )
            key = source_key(source)
            previous = previous_site / rel if previous_site is not None else None
            try:
                data, how = pdf_for(key, previous, partial(render_pdf, source, key))
            except Exception as exc:  # WeasyPrint's errors are many: name the page's file
                raise ContentError(
                    f"{page.source}:1: its large print PDF could not be made: {exc}"
                ) from exc
            result.files[rel] = data
            result.how[rel] = how
            result.links[page.url] = Link(href=f"{page.url}{FILE_NAME}", size=file_size(len(data)))
    return result
