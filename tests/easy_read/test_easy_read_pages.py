"""Easy Read (issue 14, point 3): every Easy Read page of the sample content, as the portal
serves it, held to the Easy Read rules: one sentence a line and at most 15 words a sentence, a
picture beside every point, Flesch reading ease of at least 80, no jargon; an index listing
them all; and each linked from its standard page and back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element

import pytest
import textstat

from pafinder.easy_read.pages import INDEX, EasyReadPage, load_easy_read
from tests.conftest import REAL_CONTENT, PageClient
from tests.house_rules import check_page

# What a database changes is not what these check: the PostgreSQL run leaves them out.
pytestmark = pytest.mark.database_independent

MAX_WORDS = 15
MIN_FLESCH = 80.0
PAGES = load_easy_read(REAL_CONTENT)
# The topics issue 14 asks for, by the standard page each one explains.
TOPICS = {
    "about-this-website": "/",
    "finding-a-pa": "/find-a-pa",
    "becoming-a-pa": "/becoming-a-pa/what-a-pa-does/",
    "asking-for-help": "/services/",
    "after-you-ask": "/services/",
    "how-to-complain": "/about/how-to-complain/",
    "your-information": "/about/privacy-notice/",
}
# Words an Easy Read reader should not meet unexplained: the long page may use them, these
# pages say what they mean in plain words instead.
JARGON = (
    "referral",
    "refer",
    "safeguarding",
    "statutory",
    "eligible",
    "eligibility",
    "gdpr",
    "data protection",
    "personal data",
    "consent",
    "assessment",
    "advocate",
    "independent",
    "ethnicity",
    "notwithstanding",
    "thereafter",
    "via",
    "e.g.",
    "i.e.",
    "etc",
)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
WORD = re.compile(r"[\w@][\w@'’.-]*")


@pytest.fixture(scope="module", autouse=True)
def offline_syllables() -> Iterator[None]:
    """textstat offline and silent, as in tests/test_content_quality.py: where NLTK's cmudict
    is not installed, its own pyphen fallback counts every word's syllables."""
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


def text_of(element: Element) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def has_class(element: Element, name: str) -> bool:
    return name in (element.get("class") or "").split()


def main_of(client: PageClient, url: str) -> Element:
    response = client.get(url)
    assert response.status_code == 200, url
    tree = check_page(response.text, url)
    main = tree.find(".//main")  # type: ignore[attr-defined]
    assert main is not None, url
    return main


def points_of(main: Element) -> list[Element]:
    return [e for e in main.iter("div") if has_class(e, "app-easy-read__point")]


def reading_lines(main: Element) -> list[str]:
    """What the page says, a line at a time: the headings and every point's lines."""
    lines = [text_of(h) for h in main.iter() if h.tag in ("h1", "h2", "h3")]
    for point in points_of(main):
        lines += [text_of(p) for p in point.iter("p")]
    return lines


def words(sentence: str) -> list[str]:
    return WORD.findall(sentence)


def page_id(page: EasyReadPage) -> str:
    return page.slug


def test_the_topics_of_issue_14_have_easy_read_pages() -> None:
    found = {p.slug: p.standard for p in PAGES if p.slug != INDEX}
    assert found == TOPICS
    assert PAGES[0].slug == INDEX, "content/easy-read/index.md is the page at /easy-read/"


def test_the_index_lists_every_easy_read_page(real_client: PageClient) -> None:
    main = main_of(real_client, "/easy-read/")
    listed = [a.get("href") for li in main.iter("li") for a in li.iter("a")]
    assert listed == [p.url for p in PAGES if p.slug != INDEX]
    for item in main.iter("li"):
        assert points_of(item), "each page in the list has its picture beside it"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_a_picture_beside_every_point(real_client: PageClient, page: EasyReadPage) -> None:
    main = main_of(real_client, page.url)
    points = points_of(main)
    assert len(points) >= len(page.points) >= 1
    for point in points:
        images = list(point.iter("img"))
        assert len(images) == 1, f"{page.url}: one picture a point: {text_of(point)!r}"
        image = images[0]
        # Empty alt where the words say it all; an alt attribute always.
        assert image.get("alt") is not None, f"{page.url}: {image.get('src')} has no alt"
        src = image.get("src") or ""
        assert src.startswith("/assets/images/easy-read/") and src.endswith(".svg")
        picture = real_client.get(src)
        assert picture.status_code == 200, src
        assert picture.headers["content-type"].startswith("image/svg+xml")
        assert any(p.tag == "p" for p in point.iter()), f"{page.url}: a picture with no words"
    # Nothing to read outside a point except the headings and the 'last checked' line.
    in_points = {id(p) for point in points for p in point.iter("p")}
    loose = [
        text_of(p)
        for p in main.iter("p")
        if id(p) not in in_points and not has_class(p, "app-easy-read__reviewed")
    ]
    assert not loose, f"{page.url}: words without a picture: {loose}"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_short_sentences_one_a_line(real_client: PageClient, page: EasyReadPage) -> None:
    for line in reading_lines(main_of(real_client, page.url)):
        sentences = [s for s in SENTENCE_END.split(line) if s.strip()]
        assert len(sentences) == 1, f"{page.url}: one sentence a line: {line!r}"
        count = len(words(line))
        assert count <= MAX_WORDS, f"{page.url}: {count} words (at most {MAX_WORDS}): {line!r}"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_flesch_reading_ease_at_least_80(real_client: PageClient, page: EasyReadPage) -> None:
    # Headings read as sentences of their own, so each line ends as one.
    lines = [
        ln if ln[-1] in ".!?:" else ln + "." for ln in reading_lines(main_of(real_client, page.url))
    ]
    score = float(textstat.flesch_reading_ease(" ".join(lines)))
    assert score >= MIN_FLESCH, f"{page.url}: Flesch reading ease {score:.1f}, need {MIN_FLESCH}"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_no_jargon(page: EasyReadPage) -> None:
    text = " ".join(line for point in page.points for line in [point.text]).lower()
    text += " " + page.title.lower()
    found = [w for w in JARGON if re.search(rf"(?<![\w]){re.escape(w)}(?![\w])", text)]
    assert not found, f"{page.source}: say these in plain words: {found}"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_linked_from_its_standard_page_and_back(
    real_client: PageClient, page: EasyReadPage
) -> None:
    easy = main_of(real_client, page.url)
    back = [a for a in easy.iter("a") if a.get("href") == page.standard]
    assert back, f"{page.url} does not link back to {page.standard}"
    assert text_of(back[0]) == page.standard_title
    standard = main_of(real_client, page.standard)
    there = [a for a in standard.iter("a") if a.get("href") == page.url]
    assert there, f"{page.standard} does not link to its Easy Read version {page.url}"
    assert text_of(there[0]) == page.title


def test_a_page_with_no_easy_read_version_has_no_link(real_client: PageClient) -> None:
    main = main_of(real_client, "/about/cookies/")
    assert not [a for a in main.iter("a") if (a.get("href") or "").startswith("/easy-read/")]


def test_easy_read_pages_are_in_the_sitemap(real_client: PageClient) -> None:
    sitemap = real_client.get("/sitemap.xml").text
    for page in PAGES:
        lastmod = page.last_reviewed.isoformat()
        assert f"{page.url}</loc><lastmod>{lastmod}</lastmod>" in sitemap
