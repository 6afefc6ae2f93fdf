"""Render the Easy Read pages into site/easy-read/, and the lookup the standard pages use to
link to their Easy Read versions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from jinja2 import Environment

from pafinder.content import Content, ContentError
from pafinder.easy_read.pages import INDEX, EasyReadPage, picture_names, versions_of
from pafinder.web.templating import PACKAGE_DIR

# Compiled with the front end from frontend/easy-read/ (frontend/build.mjs).
PICTURES_DIR = PACKAGE_DIR / "web" / "static" / "images" / "easy-read"
# Every page's picture in the list on /easy-read/, and beside the link back to the standard page.
BACK_PICTURE = "longer-page"
# Beside the link to an Easy Read page on its standard page (easy_read/link.html).
LINK_PICTURE = "easy-read"


def easy_read_lookup(content: Content) -> Callable[[str], list[EasyReadPage]]:
    """``easy_read_for(url)`` in templates: the Easy Read versions of the page at ``url``."""
    found = versions_of([p for p in content.easy_read if p.slug != INDEX])
    index = [p for p in content.easy_read if p.slug == INDEX]

    def easy_read_for(url: str) -> list[EasyReadPage]:
        # The index explains its own standard page (the accessible formats page) as a whole.
        return found.get(url, []) + [p for p in index if p.standard == url]

    return easy_read_for


def check_pictures(pages: list[EasyReadPage], folder: Path = PICTURES_DIR) -> None:
    """A picture named in content must be drawn: a missing one is a broken content file."""
    if not folder.is_dir():  # front end not compiled (a test of content alone)
        return
    drawn = {p.stem for p in folder.glob("*.svg")}
    if fixed := sorted({BACK_PICTURE, LINK_PICTURE} - drawn):
        raise ContentError(f"{folder}: the pictures {', '.join(fixed)} are missing")
    missing = sorted(picture_names(pages) - drawn)
    for page in pages:
        names = {page.picture} | {point.picture for point in page.points}
        if wanted := sorted(names & set(missing)):
            raise ContentError(
                f"{page.source}:1: no picture called {', '.join(wanted)} in frontend/easy-read/"
            )


def render_easy_read(content: Content, env: Environment) -> dict[str, bytes]:
    pages = content.easy_read
    if not pages:
        return {}
    check_pictures(pages)
    index = next((p for p in pages if p.slug == INDEX), None)
    others = [p for p in pages if p.slug != INDEX]
    home = {"text": "Home", "href": "/"}
    files: dict[str, bytes] = {}
    if index is not None:
        files["easy-read/index.html"] = _render(
            env,
            "easy_read/index.html",
            title=index.title,
            description=index.summary,
            page=index,
            pages=others,
            breadcrumbs=[home],
        )
    crumbs = [home, {"text": index.title, "href": index.url}] if index else [home]
    for page in others:
        files[f"easy-read/{page.slug}/index.html"] = _render(
            env,
            "easy_read/page.html",
            title=page.title,
            description=page.summary,
            page=page,
            breadcrumbs=crumbs,
        )
    return files


def _render(env: Environment, template: str, **context: object) -> bytes:
    context["back_picture"] = BACK_PICTURE
    return env.get_template(template).render(**context).encode("utf-8")
