"""The page helper every HTML test goes through: house rules checked on every render."""

from __future__ import annotations

import re
from collections import Counter

import html5lib
from html5lib.constants import namespaces

XHTML = namespaces["html"]


def _text(element: object) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()  # type: ignore[attr-defined]


def check_page(html: str, url: str = "") -> object:
    """Parse ``html`` as HTML5 (strictly) and check the house rules; returns the parsed tree.

    - it parses as HTML5 with no parse errors
    - exactly one h1, and the <title> begins with the h1's text (after an optional 'Error: ')
    - no duplicate ids
    - every form has an action, and every POST form carries a csrftoken field
    """
    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
    tree = parser.parse(html)
    errors = [e for e in parser.errors if e[1] not in _TOLERATED]
    assert not errors, f"{url}: HTML5 parse errors {errors[:5]}"

    h1s = tree.findall(".//h1")
    assert len(h1s) == 1, f"{url}: expected exactly one h1, found {len(h1s)}"
    title = tree.find(".//title")
    assert title is not None, f"{url}: no <title>"
    title_text = _text(title).removeprefix("Error: ")
    h1_text = _text(h1s[0])
    assert title_text.startswith(h1_text), (
        f"{url}: title {title_text!r} must begin with the h1 {h1_text!r}"
    )

    ids = Counter(el.get("id") for el in tree.iter() if el.get("id"))
    duplicates = [i for i, n in ids.items() if n > 1]
    assert not duplicates, f"{url}: duplicate ids {duplicates}"

    for form in tree.findall(".//form"):
        assert form.get("action"), f"{url}: a form without an action"
        if (form.get("method") or "get").lower() == "post":
            token = form.find(".//input[@name='csrftoken']")
            assert token is not None and token.get("value"), (
                f"{url}: POST form to {form.get('action')} has no csrftoken field"
            )
    return tree


# html5lib reports these for markup that browsers and the HTML standard accept.
_TOLERATED = {"unexpected-end-tag-implies-end-of-table"} - {""}


def h1_text(html: str) -> str:
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    return _text(tree.find(".//h1"))
