"""Read content/ (site.yaml, pages as Markdown with front matter, services and taxonomies as YAML)
into typed objects. Any broken file raises ContentError naming the file and line, before
anything is written."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

if TYPE_CHECKING:
    from pafinder.easy_read.pages import EasyReadPage

TAXONOMY_NAMES = (
    "areas",
    "languages",
    "tasks",
    "client_groups",
    "age_groups",
    "genders",
    "qualifications",
    "availability",
)
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
FRONT_MATTER = re.compile(r"\A---\r?\n(.*?)\r?\n---\r?\n?(.*)\Z", re.S)


class ContentError(ValueError):
    """A content file that cannot be read; the message starts with 'path:line:'."""


@dataclass(frozen=True)
class Term:
    slug: str
    label: str


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    summary: str


@dataclass(frozen=True)
class Page:
    section: str
    slug: str
    title: str
    summary: str
    order: int
    last_reviewed: date
    crisis: bool
    body: str
    html: str
    text: str
    source: Path

    @property
    def url(self) -> str:
        return f"/{self.section}/{self.slug}/"


SERVICE_TEXT_FIELDS = ("who_for", "offers", "where", "how_to_refer", "what_next")
# The feedback form asks one question per statement: a short form gets answered.
MAX_OUTCOME_STATEMENTS = 12
MAX_STATEMENT_TEXT = 200


@dataclass(frozen=True)
class OutcomeStatement:
    """One 'I feel ...' statement people agree or disagree with on the feedback form."""

    id: str
    text: str


@dataclass(frozen=True)
class Service:
    slug: str
    name: str
    council: str
    summary: str
    last_reviewed: date
    crisis: bool
    respond_within_working_days: int
    sections_html: dict[str, str]
    text: str
    raw: dict[str, Any]
    source: Path
    outcome_statements: tuple[OutcomeStatement, ...] = ()

    @property
    def url(self) -> str:
        return f"/services/{self.slug}/"


@dataclass(frozen=True)
class Site:
    name: str
    organisation: str
    colour: str
    phone: str
    email: str
    address: str
    opening_hours: str
    sections: list[Section]
    footer_links: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Content:
    site: Site
    pages: list[Page]
    services: list[Service]
    taxonomies: dict[str, list[Term]] = field(default_factory=dict)
    easy_read: list[EasyReadPage] = field(default_factory=list)  # content/easy-read/

    def section_pages(self, section: str) -> list[Page]:
        return sorted(
            (p for p in self.pages if p.section == section), key=lambda p: (p.order, p.slug)
        )

    def service(self, slug: str) -> Service | None:
        return next((s for s in self.services if s.slug == slug), None)

    def labels(self, taxonomy: str) -> dict[str, str]:
        return {t.slug: t.label for t in self.taxonomies.get(taxonomy, [])}


# --- Markdown ------------------------------------------------------------------------------

_CLASSES = {
    "paragraph_open": "govuk-body",
    "bullet_list_open": "govuk-list govuk-list--bullet",
    "ordered_list_open": "govuk-list govuk-list--number",
    "link_open": "govuk-link",
    "table_open": "govuk-table",
    "thead_open": "govuk-table__head",
    "tbody_open": "govuk-table__body",
    "tr_open": "govuk-table__row",
    "th_open": "govuk-table__header",
    "td_open": "govuk-table__cell",
    "blockquote_open": "govuk-inset-text",
}
_HEADINGS = {"h2": "govuk-heading-l", "h3": "govuk-heading-m", "h4": "govuk-heading-s"}


def _add_govuk_classes(tokens: list[Token]) -> None:
    for token in tokens:
        if token.type == "heading_open":
            token.attrSet("class", _HEADINGS.get(token.tag, "govuk-heading-s"))
        elif token.type in _CLASSES:
            token.attrSet("class", _CLASSES[token.type])
        if token.children:
            _add_govuk_classes(token.children)


# html=False escapes any raw HTML in content, so a content file cannot inject script.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


def render_markdown(source: str) -> str:
    tokens = _markdown.parse(source)
    _add_govuk_classes(tokens)
    html: str = _markdown.renderer.render(tokens, _markdown.options, {})
    return html


def markdown_text(source: str) -> str:
    """Plain text of Markdown (for search and readability): words only, no syntax or URLs."""
    parts: list[str] = []
    for token in _markdown.parse(source):
        if token.type == "inline" and token.children:
            words = "".join(c.content for c in token.children if c.type in ("text", "code_inline"))
            parts.append(words.strip())
    return "\n".join(p for p in parts if p)


# --- Loading -------------------------------------------------------------------------------


# libyaml's loader when PyYAML was built with it: the same safe subset, several times faster
# (every command loads the content, `pafinder report` included).
_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yaml(text: str, path: Path, line_offset: int = 0) -> Any:
    try:
        return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = (mark.line + 1 + line_offset) if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and context_mark is not None:
            problem += f" ({context} that starts on line {context_mark.line + 1 + line_offset})"
        raise ContentError(f"{path}:{line}: {problem}") from exc


def _line_of(text: str, key: str, offset: int = 0) -> int:
    match = re.search(rf"^{re.escape(key)}\s*:", text, re.M)
    return (text[: match.start()].count("\n") + 1 + offset) if match else 1 + offset


def _require(
    data: dict[str, Any],
    key: str,
    kind: type | tuple[type, ...],
    path: Path,
    text: str,
    offset: int = 0,
) -> Any:
    if key not in data or data[key] is None:
        raise ContentError(f"{path}:{1 + offset}: missing '{key}'")
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        expected = (
            kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        )
        raise ContentError(f"{path}:{_line_of(text, key, offset)}: '{key}' must be {expected}")
    return value


def load_page(path: Path, section: str) -> Page:
    text = path.read_text(encoding="utf-8")
    match = FRONT_MATTER.match(text)
    if match is None:
        raise ContentError(f"{path}:1: front matter must start and end with a '---' line")
    meta = _yaml(match.group(1), path, line_offset=1)
    if not isinstance(meta, dict):
        raise ContentError(f"{path}:2: front matter must be a set of 'key: value' lines")
    body = match.group(2)
    fm = match.group(1)
    title = _require(meta, "title", str, path, fm, 1)
    summary = _require(meta, "summary", str, path, fm, 1)
    order = _require(meta, "order", int, path, fm, 1)
    reviewed = _require(meta, "last_reviewed", date, path, fm, 1)
    crisis = bool(meta.get("crisis", False))
    if re.search(r"^# ", body, re.M):
        line = body[: re.search(r"^# ", body, re.M).start()].count("\n")  # type: ignore[union-attr]
        raise ContentError(
            f"{path}:{line + fm.count(chr(10)) + 3}: use '##' headings; the title is the page's h1"
        )
    return Page(
        section=section,
        slug=path.stem,
        title=title.strip(),
        summary=summary.strip(),
        order=order,
        last_reviewed=reviewed,
        crisis=crisis,
        body=body,
        html=render_markdown(body),
        text=markdown_text(body),
        source=path,
    )


def load_service(path: Path) -> Service:
    text = path.read_text(encoding="utf-8")
    data = _yaml(text, path)
    if not isinstance(data, dict):
        raise ContentError(f"{path}:1: a service file must be a set of 'key: value' lines")
    slug = _require(data, "slug", str, path, text)
    if slug != path.stem:
        raise ContentError(
            f"{path}:{_line_of(text, 'slug')}: slug '{slug}' must match the file name"
        )
    sections_html = {}
    words = []
    for key in SERVICE_TEXT_FIELDS:
        value = _require(data, key, str, path, text)
        sections_html[key] = render_markdown(value)
        words.append(markdown_text(value))
    days = _require(data, "respond_within_working_days", int, path, text)
    return Service(
        slug=slug,
        name=_require(data, "name", str, path, text),
        council=_require(data, "council", str, path, text),
        summary=_require(data, "summary", str, path, text),
        last_reviewed=_require(data, "last_reviewed", date, path, text),
        crisis=bool(data.get("crisis", False)),
        respond_within_working_days=days,
        sections_html=sections_html,
        text="\n".join(words),
        raw=data,
        source=path,
        outcome_statements=_outcome_statements(data, path, text),
    )


def _outcome_statements(
    data: dict[str, Any], path: Path, text: str
) -> tuple[OutcomeStatement, ...]:
    """``outcome_statements: [{id, text}]`` (optional): ids are unique slugs, as they name the
    form's fields and the quarterly return's keys."""
    items = data.get("outcome_statements")
    if items is None:
        return ()
    start = _line_of(text, "outcome_statements")
    where = f"{path}:{start}"
    if not isinstance(items, list):
        raise ContentError(f"{where}: 'outcome_statements' must be a list of '- id: ...' items")
    if len(items) > MAX_OUTCOME_STATEMENTS:
        raise ContentError(f"{where}: at most {MAX_OUTCOME_STATEMENTS} outcome statements")
    found: list[OutcomeStatement] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or set(item) != {"id", "text"}:
            raise ContentError(
                f"{where}: outcome statement {number} must have exactly 'id' and 'text'"
            )
        ident, words = item["id"], item["text"]
        at = f"{path}:{_item_line(text, start, str(ident))}"
        if not isinstance(ident, str) or not SLUG.match(ident):
            raise ContentError(
                f"{at}: outcome statement {number}: id {ident!r} must be a kebab-case slug, "
                "like feel-less-alone"
            )
        if any(s.id == ident for s in found):
            raise ContentError(f"{at}: outcome statement id '{ident}' is used twice")
        if not isinstance(words, str) or not words.strip():
            raise ContentError(f"{at}: outcome statement '{ident}' needs its text")
        if len(words.strip()) > MAX_STATEMENT_TEXT:
            raise ContentError(
                f"{at}: outcome statement '{ident}' must be {MAX_STATEMENT_TEXT} characters "
                "or fewer"
            )
        found.append(OutcomeStatement(id=ident, text=words.strip()))
    return tuple(found)


def _item_line(text: str, start: int, ident: str) -> int:
    """The line of the last '- id: IDENT' at or after line ``start`` (the last, so a repeated id
    points at the repeat), else ``start``."""
    pattern = re.compile(rf"^\s*-\s*id\s*:\s*['\"]?{re.escape(ident)}['\"]?\s*$")
    lines = text.splitlines()
    found = [n for n in range(start, len(lines) + 1) if pattern.match(lines[n - 1])]
    return found[-1] if found else start


def load_taxonomy(path: Path) -> list[Term]:
    text = path.read_text(encoding="utf-8")
    data = _yaml(text, path)
    if not isinstance(data, list):
        raise ContentError(f"{path}:1: a taxonomy is a list of '- slug: ...' / 'label: ...' items")
    terms: list[Term] = []
    seen: set[str] = set()
    for item in data:
        if not isinstance(item, dict) or not {"slug", "label"} <= item.keys():
            raise ContentError(f"{path}:{_line_of(text, '- slug')}: each item needs slug and label")
        slug = str(item["slug"])
        if not SLUG.match(slug) or slug in seen:
            line = _line_of(text, f"- slug: {slug}")
            raise ContentError(f"{path}:{line}: slug '{slug}' is not a unique kebab-case slug")
        seen.add(slug)
        terms.append(Term(slug=slug, label=str(item["label"])))
    return terms


def load_site(path: Path) -> Site:
    text = path.read_text(encoding="utf-8")
    data = _yaml(text, path)
    if not isinstance(data, dict):
        raise ContentError(f"{path}:1: site.yaml must be a set of 'key: value' lines")
    colour = str(_require(data, "colour", str, path, text))
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        raise ContentError(f"{path}:{_line_of(text, 'colour')}: colour must look like #00703c")
    sections = [
        Section(slug=str(s["slug"]), title=str(s["title"]), summary=str(s.get("summary", "")))
        for s in _require(data, "sections", list, path, text)
    ]
    return Site(
        name=_require(data, "name", str, path, text),
        organisation=str(data.get("organisation", "")),
        colour=colour,
        phone=str(data.get("phone", "")),
        email=str(data.get("email", "")),
        address=str(data.get("address", "")),
        opening_hours=str(data.get("opening_hours", "")),
        sections=sections,
        footer_links=[
            {"text": str(link["text"]), "href": str(link["href"])}
            for link in data.get("footer_links") or []
        ],
    )


def load_content(content_dir: Path, pages: bool = True) -> Content:
    """Everything in content/; ``pages=False`` leaves the Markdown pages out, for commands that
    need only the services and taxonomies (`pafinder report` reads no page)."""
    site = load_site(content_dir / "site.yaml")
    known_sections = {s.slug for s in site.sections}
    found: list[Page] = []
    pages_dir = content_dir / "pages"
    for path in sorted(pages_dir.glob("*/*.md")) if pages else []:
        section = path.parent.name
        if section not in known_sections:
            raise ContentError(f"{path}:1: folder '{section}' is not a section in site.yaml")
        found.append(load_page(path, section))
    services = [load_service(p) for p in sorted((content_dir / "services").glob("*.yaml"))]
    taxonomies = {}
    for name in TAXONOMY_NAMES:
        path = content_dir / "taxonomies" / f"{name}.yaml"
        taxonomies[name] = load_taxonomy(path) if path.exists() else []
    # Imported here: the Easy Read reader builds on this module's front matter helpers.
    from pafinder.easy_read.pages import load_easy_read

    easy_read = load_easy_read(content_dir) if pages else []
    return Content(
        site=site, pages=found, services=services, taxonomies=taxonomies, easy_read=easy_read
    )
