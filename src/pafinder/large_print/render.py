"""One print document to PDF bytes with WeasyPrint, and the key that names what went in.

The bytes depend only on the inputs: no creation time (the page's review date is the PDF's
date), and the file identifier is the source key, so a later build can tell from the file alone
whether it was made from the same source (reuse.py).

WeasyPrint is imported on first render, not with this module: importing it takes about a
second, and the app and every command import the build."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from typing import Any

from pafinder.large_print.document import TEMPLATES

# Raise when the output changes for the same HTML and CSS (options, variant, post-processing),
# so PDFs built before are rendered again rather than reused.
RENDER_VERSION = "1"
STYLESHEET = TEMPLATES / "large_print" / "large_print.css"
# Tagged PDF (PDF/UA-1): headings, lists and tables reach screen readers and reflow tools.
VARIANT = "pdf/ua-1"


def _weasyprint() -> Any:
    # WeasyPrint has no type information; importing it here, once, keeps that to one line.
    import weasyprint  # type: ignore[import-untyped]

    return weasyprint


@dataclass(frozen=True)
class _Loaded:
    css: Any  # weasyprint.CSS
    fonts: Any  # weasyprint.text.fonts.FontConfiguration


# Loading the system fonts for each document was a third of a page's time: one font
# configuration and one parsed stylesheet serve every page. WeasyPrint is not documented as
# thread-safe (and a build is one thread anyway): one render at a time.
_lock = threading.Lock()
_loaded: _Loaded | None = None


@cache
def stylesheet_text() -> str:
    return STYLESHEET.read_text(encoding="utf-8")


def _load() -> _Loaded:
    global _loaded
    if _loaded is None:
        weasyprint = _weasyprint()
        fonts = weasyprint.text.fonts.FontConfiguration()
        _loaded = _Loaded(weasyprint.CSS(string=stylesheet_text(), font_config=fonts), fonts)
    return _loaded


def source_key(print_html: str) -> str:
    """What a PDF is made from: the print HTML (which holds the page, the site's name and
    contacts), the stylesheet, this module's version and WeasyPrint's."""
    digest = hashlib.sha256()
    for part in (RENDER_VERSION, version("weasyprint"), stylesheet_text(), print_html):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def render_pdf(print_html: str, key: str) -> bytes:
    """The PDF of ``print_html``, with ``key`` (from source_key) as its file identifier."""
    weasyprint = _weasyprint()
    with _lock:
        loaded = _load()
        document = weasyprint.HTML(
            string=print_html,
            base_url="about:blank",
            # Nothing is fetched for a page (no network, no files): an image named in content
            # is left out, its alternative text kept.
            url_fetcher=weasyprint.URLFetcher(allowed_protocols={"data"}),
        )
        pdf: bytes = document.write_pdf(
            stylesheets=[loaded.css],
            font_config=loaded.fonts,
            pdf_variant=VARIANT,
            pdf_identifier=key.encode("ascii"),
        )
    return pdf


def reset() -> None:
    """Read the stylesheet and fonts again on next use (a test that changes the stylesheet)."""
    global _loaded
    with _lock:
        _loaded = None
    stylesheet_text.cache_clear()
