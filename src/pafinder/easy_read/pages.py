"""Read content/easy-read/*.md into Easy Read pages.

A page is front matter (title, summary, order, last_reviewed; standard and standard_title: the
URL and title of the page it explains; picture: its picture in the list on /easy-read/) and a
body of ``##`` headings and points. A point is one paragraph that starts with its picture,
``![alt](name)``, then one short sentence a line:

    ![](phone) You can phone us.
    We will listen to you.

The alt text is empty when the sentences say all the picture shows (the picture is decoration
then), or a few words otherwise. ``index.md`` is the page at /easy-read/ itself; the list of
the other pages is added under its points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markupsafe import Markup

from pafinder.content import FRONT_MATTER, SLUG, ContentError, _require, _yaml

FOLDER = "easy-read"
INDEX = "index"
PICTURES_URL = "/assets/images/easy-read"
# html=False: a content file cannot inject markup, as for every other page.
_markdown = MarkdownIt("commonmark", {"html": False})


@dataclass(frozen=True)
class Point:
    picture: str
    alt: str
    lines: tuple[Markup, ...]  # each line rendered inline (links kept), one sentence a line
    text: str  # the words, for the readability test and search

    @property
    def picture_url(self) -> str:
        return f"{PICTURES_URL}/{self.picture}.svg"


@dataclass(frozen=True)
class Heading:
    text: str


Block = Point | Heading


@dataclass(frozen=True)
class EasyReadPage:
    slug: str
    title: str
    summary: str
    order: int
    last_reviewed: date
    standard: str  # the URL of the standard page this page explains ("/" for the home page)
    standard_title: str  # that page's title, for the link back to it
    picture: str  # the picture beside this page in the list on /easy-read/
    blocks: tuple[Block, ...]
    source: Path

    @property
    def url(self) -> str:
        return f"/{FOLDER}/" if self.slug == INDEX else f"/{FOLDER}/{self.slug}/"

    @property
    def points(self) -> list[Point]:
        return [b for b in self.blocks if isinstance(b, Point)]


def _inline(children: list[Token]) -> Markup:
    for child in children:
        if child.type == "link_open":
            child.attrSet("class", "govuk-link")
    html = RendererHTML().renderInline(children, _markdown.options, {})
    return Markup(html.strip())  # noqa: S704 - markdown-it escaped every character of text


def _lines(children: list[Token]) -> list[list[Token]]:
    lines: list[list[Token]] = [[]]
    for child in children:
        if child.type in ("softbreak", "hardbreak"):
            lines.append([])
        else:
            lines[-1].append(child)
    return [line for line in lines if line]


def _point(inline: Token, path: Path, line: int) -> Point:
    children = list(inline.children or [])
    if not children or children[0].type != "image":
        raise ContentError(f"{path}:{line}: a point must start with its picture, ![](name)")
    image = children[0]
    name = str(image.attrGet("src") or "")
    if not SLUG.match(name):
        raise ContentError(f"{path}:{line}: picture '{name}' must be a name like 'phone'")
    alt = "".join(c.content for c in image.children or [])
    rest = children[1:]
    if rest and rest[0].type == "text":
        rest[0].content = rest[0].content.lstrip()
    lines = _lines(rest)
    if not lines or not any(c.content.strip() for line in lines for c in line):
        raise ContentError(f"{path}:{line}: the point after picture '{name}' has no words")
    text = " ".join(
        "".join(c.content for c in line if c.type in ("text", "code_inline")).strip()
        for line in lines
    )
    return Point(
        picture=name, alt=alt.strip(), lines=tuple(_inline(line) for line in lines), text=text
    )


def _blocks(body: str, path: Path, offset: int) -> tuple[Block, ...]:
    tokens = _markdown.parse(body)
    blocks: list[Block] = []
    for i, token in enumerate(tokens):
        line = (token.map[0] if token.map else 0) + offset + 1
        if token.type == "heading_open":
            if token.tag != "h2":
                raise ContentError(f"{path}:{line}: use '##' headings only")
            blocks.append(Heading(tokens[i + 1].content.strip()))
        elif token.type == "paragraph_open":
            blocks.append(_point(tokens[i + 1], path, line))
        elif token.type.endswith("_open") and token.level == 0:
            raise ContentError(
                f"{path}:{line}: only '##' headings and points (a picture then short lines)"
            )
    if not any(isinstance(b, Point) for b in blocks):
        raise ContentError(f"{path}:{offset + 1}: an Easy Read page needs at least one point")
    return tuple(blocks)


def load_page(path: Path) -> EasyReadPage:
    text = path.read_text(encoding="utf-8")
    match = FRONT_MATTER.match(text)
    if match is None:
        raise ContentError(f"{path}:1: front matter must start and end with a '---' line")
    fm, body = match.group(1), match.group(2)
    meta = _yaml(fm, path, line_offset=1)
    if not isinstance(meta, dict):
        raise ContentError(f"{path}:2: front matter must be a set of 'key: value' lines")
    standard = _require(meta, "standard", str, path, fm, 1).strip()
    if not standard.startswith("/") or standard.startswith("//"):
        raise ContentError(f"{path}:2: 'standard' must be a path on this site, like /find-a-pa")
    picture = str(meta.get("picture", "easy-read"))
    if not SLUG.match(picture):
        raise ContentError(f"{path}:2: picture '{picture}' must be a name like 'phone'")
    if not SLUG.match(path.stem):
        raise ContentError(f"{path}:1: the file name must be a kebab-case slug")
    return EasyReadPage(
        slug=path.stem,
        title=_require(meta, "title", str, path, fm, 1).strip(),
        summary=_require(meta, "summary", str, path, fm, 1).strip(),
        order=_require(meta, "order", int, path, fm, 1),
        last_reviewed=_require(meta, "last_reviewed", date, path, fm, 1),
        standard=standard,
        standard_title=_require(meta, "standard_title", str, path, fm, 1).strip(),
        picture=picture,
        blocks=_blocks(body, path, fm.count("\n") + 3),
        source=path,
    )


def load_easy_read(content_dir: Path) -> list[EasyReadPage]:
    """Every Easy Read page, the index first, then by order; none when the folder is absent."""
    folder = content_dir / FOLDER
    pages = [load_page(p) for p in sorted(folder.glob("*.md"))] if folder.is_dir() else []
    return sorted(pages, key=lambda p: (p.slug != INDEX, p.order, p.slug))


def picture_names(pages: list[EasyReadPage]) -> set[str]:
    names = {page.picture for page in pages if page.slug != INDEX}
    return names | {point.picture for page in pages for point in page.points}


def versions_of(pages: list[EasyReadPage]) -> dict[str, list[EasyReadPage]]:
    """The Easy Read pages of each standard page's URL (a page may have more than one)."""
    found: dict[str, list[EasyReadPage]] = {}
    for page in pages:
        found.setdefault(page.standard, []).append(page)
    return found
