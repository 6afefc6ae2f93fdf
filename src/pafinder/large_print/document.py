"""The print HTML of one information page: what WeasyPrint lays out, and (with the stylesheet
and the renderer's version) what says whether a PDF built before can be reused."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from pafinder.content import Page, Section, Site
from pafinder.web.templating import PACKAGE_DIR, format_date

TEMPLATES = Path(__file__).resolve().parent / "templates"
# The crisis box is the same words as on the web page: shared, not copied.
WEB_TEMPLATES = PACKAGE_DIR / "web" / "templates"

# markdown-it writes every link as <a href="..." ...>...</a> (no nesting, href first, escaped).
_LINK = re.compile(r'<a href="([^"]*)"([^>]*)>(.*?)</a>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class PrintPage:
    """One information page, with where it lives online."""

    page: Page
    section: Section
    url: str  # absolute, as printed on the paper copy


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader([str(TEMPLATES), str(WEB_TEMPLATES)]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,  # a missing value is a bug here, never a blank on paper
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["date"] = format_date
    return env


_env = _environment()


def absolute(href: str, base_url: str) -> str:
    """A site-relative link as a full address a reader can type from the paper copy."""
    if href.startswith("/") and not href.startswith("//"):
        return base_url + href
    return href


def _shown_address(href: str) -> str:
    for scheme in ("mailto:", "tel:"):
        if href.startswith(scheme):
            return href.removeprefix(scheme)
    return href


def print_links(body: str, base_url: str) -> str:
    """Every link's address printed after its words (paper cannot be clicked); a fragment-only
    link, or one whose words already are the address, is left as it is."""

    def replace(match: re.Match[str]) -> str:
        href, rest, words = match.groups()
        if href.startswith("#") or not href:
            return match.group(0)
        full = absolute(html.unescape(href), base_url)
        shown = _shown_address(full)
        escaped = html.escape(full, quote=True)
        link = f'<a href="{escaped}"{rest}>{words}</a>'
        if html.unescape(_TAG.sub("", words)).strip() == shown:
            return link
        return f'{link}<span class="lp-address"> ({html.escape(shown, quote=False)})</span>'

    return _LINK.sub(replace, body)


def print_html(item: PrintPage, site: Site, base_url: str) -> str:
    """The whole print document: title, summary, body, crisis box, date reviewed, contacts."""
    return _env.get_template("large_print/page.html").render(
        page=item.page,
        section=item.section,
        url=item.url,
        body=print_links(item.page.html, base_url),
        site=site,
    )
