"""House rules for the sample content in content/: structure, plain English, links, taxonomies.

The content is written for people who may have a learning disability, low literacy or English as
a second language, so every page body and every service listing must reach a Flesch reading ease
of at least 60 (aim for 65-75 so small edits do not break it).

Only frontmatter, yaml, textstat and the standard library are used: this test must not import
the pafinder package, so it checks the files as an editor writes them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import frontmatter
import pytest
import textstat
import yaml

# What a database changes is not what these check: the PostgreSQL run leaves them out.
pytestmark = pytest.mark.database_independent

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
PAGES = CONTENT / "pages"
SERVICES = CONTENT / "services"
TAXONOMIES = CONTENT / "taxonomies"

MIN_PAGES = 30
MIN_FLESCH = 60.0
SUMMARY_MAX = 160
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

SECTION_SLUGS = [
    "direct-payments",
    "employing-a-pa",
    "becoming-a-pa",
    "carers",
    "mental-health",
    "young-people",
    "about",
]
SERVICE_DAYS = {
    "peer-support-recovery": 3,
    "carers": 5,
    "supported-accommodation": 1,
    "direct-payment-support": 5,
    "mentoring": 2,
}
SERVICE_TEXT_FIELDS = ["who_for", "offers", "where", "how_to_refer", "what_next"]
SERVICE_FIELDS = [
    "slug",
    "name",
    "council",
    "summary",
    "last_reviewed",
    "crisis",
    "respond_within_working_days",
    *SERVICE_TEXT_FIELDS,
]
TAXONOMY_NAMES = [
    "areas",
    "languages",
    "tasks",
    "client_groups",
    "age_groups",
    "genders",
    "qualifications",
    "availability",
]
DAYS = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
PARTS = {"am": "morning", "pm": "afternoon", "eve": "evening", "night": "night"}
# Fixed app routes a page may link to besides pages and services (see shared/CONTRACT.md).
APP_LINKS = {
    "/complaints",
    "/newsletter",
    "/find-a-pa",
    "/events",
    "/search",
    "/become-a-pa/register",
    "/become-a-pa/manage",
    "/employing-a-pa/cost-calculator",
    "/accessible-formats/request",
}
# UK numbers written in content must be Ofcom drama numbers (never a real person's line).
UK_NUMBER_RE = re.compile(r"\b0\d{2,4}[ ]?\d{3}[ ]?\d{3,4}\b")
DRAMA_RE = re.compile(
    r"^(01(1[3-8]|[2-6]1) ?496 ?0\d{3}|0191 ?498 ?0\d{3}|020 ?7946 ?0\d{3}"
    r"|01632 ?960 ?\d{3}|07700 ?900 ?\d{3})$"
)


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def page_files() -> list[Path]:
    return sorted(PAGES.glob("*/*.md"))


def service_files() -> list[Path]:
    return sorted(SERVICES.glob("*.yaml"))


def load_site() -> dict:
    return yaml.safe_load((CONTENT / "site.yaml").read_text(encoding="utf-8"))


def load_services() -> dict[str, dict]:
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in service_files()}


# --- plain-English scoring -------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def offline_syllables() -> Iterator[None]:
    """Keep textstat offline and silent.

    textstat 0.7.13 counts syllables with NLTK's cmudict and tries to download it when it is
    missing, which needs the network and prints to stderr. Where cmudict is not installed, use
    textstat's own fallback for words cmudict does not know (pyphen) for every word instead.
    """
    try:
        from textstat.backend.counts import _count_syllables
        from textstat.backend.utils import _get_cmudict
    except ImportError:  # another textstat layout: use it as it is
        yield
        return
    try:
        _get_cmudict.nltk.data.find("corpora/cmudict")
    except LookupError:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(_count_syllables, "get_cmudict", lambda lang: None)
            yield
    else:
        yield


def plain_text(markdown: str) -> str:
    """Markdown to the words a reader hears: no heading marks, bullets, URLs or emphasis.

    Headings, list items and table rows each stand alone, so each ends as a sentence.
    """
    out: list[str] = []
    for raw in markdown.splitlines():
        line = raw.strip()
        if not line or re.fullmatch(r"\|?[\s:|-]+\|?", line):
            continue
        standalone = bool(re.match(r"^(#{1,6}\s|[-*+]\s|\d+[.)]\s|\|)", line))
        line = re.sub(r"^#{1,6}\s+", "", line)
        line = re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", line)
        line = re.sub(r"^>\s?", "", line)
        line = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", line)
        line = re.sub(r"https?://\S+", "", line)
        line = re.sub(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", "email", line)
        line = line.replace("|", " ")
        line = re.sub(r"[*_`]", "", line).strip()
        if standalone and line and line[-1] not in ".!?:":
            line += "."
        out.append(line)
    return "\n".join(out)


def flesch(markdown: str) -> float:
    return float(textstat.flesch_reading_ease(plain_text(markdown)))


# --- site.yaml -------------------------------------------------------------------------------


def test_site_yaml_has_every_field_and_section() -> None:
    site = load_site()
    for key in ["name", "organisation", "colour", "phone", "email", "address", "opening_hours"]:
        assert site.get(key), f"content/site.yaml: '{key}' is missing or empty"
    slugs = [s.get("slug") for s in site.get("sections", [])]
    assert slugs == SECTION_SLUGS, f"content/site.yaml: sections should be {SECTION_SLUGS}"
    for section in site["sections"]:
        assert section.get("title"), f"content/site.yaml: section {section['slug']} has no title"
        summary = section.get("summary") or ""
        assert 0 < len(summary) < SUMMARY_MAX, (
            f"content/site.yaml: section {section['slug']} summary must be 1-159 characters"
        )
    assert DRAMA_RE.match(site["phone"]), "content/site.yaml: phone must be an Ofcom drama number"
    assert site["email"].endswith("@example.org"), "content/site.yaml: use an example.org email"


def contrast_with_white(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def test_brand_colour_contrasts_with_white() -> None:
    colour = load_site()["colour"]
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", colour), "content/site.yaml: colour must be #rrggbb"
    ratio = contrast_with_white(colour)
    assert ratio >= 4.5, f"content/site.yaml: colour {colour} has contrast {ratio:.2f}:1, need 4.5"


# --- pages -----------------------------------------------------------------------------------


def test_enough_pages_in_known_sections() -> None:
    files = page_files()
    assert len(files) >= MIN_PAGES, f"content/pages: {len(files)} pages, need {MIN_PAGES}"
    for path in files:
        assert path.parent.name in SECTION_SLUGS, f"{rel(path)}: folder is not a site section"
        assert SLUG_RE.match(path.stem), f"{rel(path)}: file name must be a kebab-case slug"
    for section in SECTION_SLUGS:
        assert list((PAGES / section).glob("*.md")), f"content/pages/{section}/ has no pages"


@pytest.mark.parametrize("path", page_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_page_front_matter_and_body(path: Path) -> None:
    name = rel(path)
    post = frontmatter.load(path)
    meta, body = post.metadata, post.content
    assert isinstance(meta.get("title"), str) and meta["title"].strip(), f"{name}: no title"
    summary = meta.get("summary")
    assert isinstance(summary, str) and summary.strip(), f"{name}: no summary"
    assert len(summary) < SUMMARY_MAX, f"{name}: summary is {len(summary)} characters, max 159"
    order = meta.get("order")
    assert isinstance(order, int) and not isinstance(order, bool), f"{name}: order must be int"
    reviewed = meta.get("last_reviewed")
    assert isinstance(reviewed, dt.date) and not isinstance(reviewed, dt.datetime), (
        f"{name}: last_reviewed must be an ISO date such as 2026-11-01"
    )
    assert isinstance(meta.get("crisis"), bool), f"{name}: crisis must be true or false"
    if path.parent.name == "mental-health":
        assert meta["crisis"] is True, f"{name}: every mental-health page needs crisis: true"
    assert body.strip(), f"{name}: empty body"
    first = body.strip().splitlines()[0]
    assert not first.startswith("#"), f"{name}: start with a paragraph, not a heading"
    for number, line in enumerate(body.splitlines(), 1):
        assert not re.match(r"^#\s", line), f"{name}:{number}: no '# ' h1 in a body; use ##"
        assert not re.match(r"^#{4,}", line), f"{name}:{number}: use ## and ### headings only"
        if line.strip().startswith("|"):
            cells = line.strip().strip("|").split("|")
            assert len(cells) <= 3, f"{name}:{number}: tables may have at most 3 columns"
    assert not re.search(r"</?[a-zA-Z][^>]*>", body), f"{name}: no raw HTML in content"
    assert "![" not in body, f"{name}: no images in content"


def test_page_titles_are_unique() -> None:
    seen: dict[str, str] = {}
    for path in page_files():
        title = frontmatter.load(path).metadata.get("title", "").strip().lower()
        assert title not in seen, f"{rel(path)}: same title as {seen.get(title)}"
        seen[title] = rel(path)


def test_page_orders_are_unique_within_section() -> None:
    for section in SECTION_SLUGS:
        orders: dict[int, str] = {}
        for path in sorted((PAGES / section).glob("*.md")):
            order = frontmatter.load(path).metadata.get("order")
            assert order not in orders, f"{rel(path)}: order {order} also used by {orders[order]}"
            orders[order] = rel(path)


def link_targets(markdown: str) -> list[str]:
    return re.findall(r"\]\(([^)\s]+)\)", markdown)


def known_link(target: str, pages: set[str], services: set[str]) -> bool:
    path = target.split("#", 1)[0]
    if path in APP_LINKS or path.startswith("/contact"):
        return True
    if m := re.fullmatch(r"/services/([a-z0-9-]+)/", path):
        return m.group(1) in services
    if m := re.fullmatch(r"/refer/([a-z0-9-]+)", path):
        return m.group(1) in services
    return path in pages


def test_internal_links_point_at_real_pages() -> None:
    pages = {f"/{p.parent.name}/{p.stem}/" for p in page_files()}
    services = set(load_services())
    bad: list[str] = []
    texts = [(rel(p), frontmatter.load(p).content) for p in page_files()]
    for path in service_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts.append((rel(path), "\n".join(str(data.get(f, "")) for f in SERVICE_TEXT_FIELDS)))
    for name, text in texts:
        for target in link_targets(text):
            if target.startswith(("http://", "https://", "mailto:", "tel:")):
                continue
            if not target.startswith("/") or not known_link(target, pages, services):
                bad.append(f"{name}: {target}")
    assert not bad, "links to pages that do not exist:\n" + "\n".join(bad)


def test_phone_numbers_are_drama_numbers() -> None:
    files = [*page_files(), *service_files(), CONTENT / "site.yaml"]
    bad = []
    for path in files:
        for number in UK_NUMBER_RE.findall(path.read_text(encoding="utf-8")):
            if not DRAMA_RE.match(number):
                bad.append(f"{rel(path)}: {number}")
    assert not bad, "use Ofcom drama numbers (0115 496 0xxx, 0161 496 0xxx):\n" + "\n".join(bad)


def test_pages_are_plain_english() -> None:
    low = []
    for path in page_files():
        score = flesch(frontmatter.load(path).content)
        if score < MIN_FLESCH:
            low.append(f"{rel(path)}: {score:.1f}")
    assert not low, f"Flesch reading ease below {MIN_FLESCH}:\n" + "\n".join(low)


# --- services --------------------------------------------------------------------------------


def test_the_five_services_and_their_fields() -> None:
    services = load_services()
    assert set(services) == set(SERVICE_DAYS), f"content/services: need exactly {SERVICE_DAYS}"
    for slug, data in services.items():
        name = f"content/services/{slug}.yaml"
        for field in SERVICE_FIELDS:
            assert field in data and data[field] not in (None, ""), f"{name}: '{field}' missing"
        assert data["slug"] == slug, f"{name}: slug must match the file name"
        assert len(data["summary"]) < SUMMARY_MAX, f"{name}: summary must be under 160 characters"
        assert isinstance(data["last_reviewed"], dt.date), f"{name}: last_reviewed must be a date"
        assert isinstance(data["crisis"], bool), f"{name}: crisis must be true or false"
        assert data["respond_within_working_days"] == SERVICE_DAYS[slug], (
            f"{name}: respond_within_working_days must be {SERVICE_DAYS[slug]}"
        )
        for field in SERVICE_TEXT_FIELDS:
            assert isinstance(data[field], str), f"{name}: '{field}' must be Markdown text"
            assert not re.search(r"^#\s", data[field], re.M), f"{name}: no '# ' h1 in {field}"
    assert services["peer-support-recovery"]["crisis"] is True, (
        "content/services/peer-support-recovery.yaml: crisis must be true"
    )


def test_services_are_plain_english() -> None:
    low = []
    for slug, data in load_services().items():
        text = "\n\n".join(str(data.get(f, "")) for f in ["summary", *SERVICE_TEXT_FIELDS])
        score = flesch(text)
        if score < MIN_FLESCH:
            low.append(f"content/services/{slug}.yaml: {score:.1f}")
    assert not low, f"Flesch reading ease below {MIN_FLESCH}:\n" + "\n".join(low)


# --- taxonomies ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TAXONOMY_NAMES)
def test_taxonomy_is_a_list_of_unique_slugs_and_labels(name: str) -> None:
    path = TAXONOMIES / f"{name}.yaml"
    assert path.exists(), f"{rel(path)} is missing"
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(items, list) and items, f"{rel(path)}: must be a non-empty YAML list"
    slugs: set[str] = set()
    labels: set[str] = set()
    for item in items:
        assert isinstance(item, dict) and set(item) == {"slug", "label"}, (
            f"{rel(path)}: each item must be {{slug: ..., label: ...}}, got {item!r}"
        )
        slug, label = item["slug"], item["label"]
        assert isinstance(slug, str) and SLUG_RE.match(slug), f"{rel(path)}: bad slug {slug!r}"
        assert isinstance(label, str) and label.strip(), f"{rel(path)}: {slug} has no label"
        assert slug not in slugs, f"{rel(path)}: slug {slug} appears twice"
        assert label not in labels, f"{rel(path)}: label {label!r} appears twice"
        slugs.add(slug)
        labels.add(label)


def test_availability_has_the_28_slots() -> None:
    path = TAXONOMIES / "availability.yaml"
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    expected = [
        {"slug": f"{day}-{part}", "label": f"{day_name} {part_name}"}
        for day, day_name in DAYS.items()
        for part, part_name in PARTS.items()
    ]
    assert items == expected, f"{rel(path)}: must be the 28 slots mon-am ... sun-night, in order"
