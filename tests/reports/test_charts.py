"""The return's bar charts (server-drawn SVG) and the table macro that shows them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jinja2 import Environment
from markupsafe import Markup

from pafinder.app import create_app
from pafinder.reports.charts import BAR, NOTHING, TEXT, bar_chart
from pafinder.reports.tables import FEWER, SUPPRESSED, Percent, ReportTable, Row
from tests.conftest import make_settings

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert('x')</script> & \"Sons\""


def table(*rows: Row, chart: bool = True, note: str = "") -> ReportTable:
    return ReportTable(
        id="by-source",
        caption="Referrals by source",
        columns=("Source", "This quarter", "Year to date"),
        rows=rows,
        chart=chart,
        note=note,
    )


SAMPLE = table(
    Row("Self", (40, 90), key="referrals.source.self"),
    Row("Family or carer", (10, 20)),
    Row("Professional", (20, SUPPRESSED)),
    Row("Someone else", (FEWER, 7)),
    Row("Total", (74, 120), total=True),
)


def parse(svg: Markup) -> ET.Element:
    """Well-formed XML, or this raises: the proof that every label was escaped."""
    return ET.fromstring(str(svg))


def bars(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{SVG}rect")


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_one_bar_per_non_total_row_with_a_figure_and_lengths_in_proportion() -> None:
    root = parse(bar_chart(SAMPLE))
    drawn = bars(root)
    assert len(drawn) == 3  # Self, Family or carer, Professional; not FEWER, not the total
    widths = [float(r.get("width", "")) for r in drawn]
    assert widths[0] > 0
    assert widths[1] == pytest.approx(widths[0] * 10 / 40, abs=0.01)
    assert widths[2] == pytest.approx(widths[0] * 20 / 40, abs=0.01)
    # The total (74) is not the scale: the largest row is, so its bar is the longest one.
    assert widths[0] == max(widths)
    # Every bar fits the drawing, with its number beside it.
    view = [float(v) for v in root.get("viewBox", "").split()]
    assert all(float(r.get("x", "")) + w <= view[2] for r, w in zip(drawn, widths, strict=True))
    words = texts(root)
    assert "Total" not in words and "74" not in words
    for label, figure in [("Self", "40"), ("Family or carer", "10"), ("Professional", "20")]:
        assert label in words and figure in words


def test_a_cell_without_a_figure_draws_no_bar_and_shows_its_words() -> None:
    root = parse(bar_chart(SAMPLE, column=1))  # year to date: 90, 20, SUPPRESSED, 7
    assert len(bars(root)) == 3
    words = texts(root)
    assert SUPPRESSED in words
    root = parse(bar_chart(table(Row("A", (None,)), Row("B", (FEWER,)), Row("C", (3,)))))
    assert len(bars(root)) == 1
    assert {"No figure", FEWER, "3"} <= set(texts(root))


def test_percents_are_drawn_against_100_not_the_largest() -> None:
    root = parse(
        bar_chart(table(Row("I feel listened to", (Percent(80),)), Row("Safer", (Percent(40),))))
    )
    first, second = (float(r.get("width", "")) for r in bars(root))
    assert second == pytest.approx(first / 2, abs=0.01)  # drawn to two decimals
    # 80% is not the full length: 100% would be.
    full = float(root.get("viewBox", "").split()[2])
    assert first < full * 0.9
    assert "80%" in texts(root)


def test_counts_use_thousands_commas_like_the_table() -> None:
    root = parse(bar_chart(table(Row("Searches", (12345,)), Row("Contacts", (678,)))))
    assert "12,345" in texts(root)


def test_labels_are_escaped_and_the_svg_stays_well_formed() -> None:
    svg = bar_chart(table(Row(HOSTILE, (5,)), Row("Tom & Jerry", (FEWER,)), Row("Zoë 🙂", (2,))))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    root = parse(svg)  # raises if an & or < slipped through
    joined = " ".join(texts(root))
    assert "<script>alert" in joined  # shown to the reader as text, not run
    assert "Tom & Jerry" in joined and "Zoë 🙂" in joined


def test_a_label_with_control_characters_still_parses() -> None:
    parse(bar_chart(table(Row("bad\x01\x0bchars\ud800", (5,)))))


def test_long_labels_wrap_above_their_bar_and_stop_after_three_lines() -> None:
    long = " ".join(["Mixed or multiple ethnic groups"] * 10)
    root = parse(bar_chart(table(Row(long, (5,)), Row("x" * 500, (3,)))))
    lines = texts(root)
    width = float(root.get("viewBox", "").split()[2])
    label_lines = [t for t in lines if t not in {"5", "3"}]
    assert len(label_lines) == 6  # three for each, the rest cut with an ellipsis
    assert label_lines[2].endswith("…") and label_lines[5].endswith("…")
    assert all(len(t) * 18 * 0.56 <= width for t in label_lines)


def test_no_inline_style_no_script_and_hidden_from_screen_readers() -> None:
    svg = str(bar_chart(SAMPLE))
    assert "style=" not in svg and "<script" not in svg and "on" + "load" not in svg
    root = parse(Markup(svg))
    assert root.get("aria-hidden") == "true"
    assert root.get("focusable") == "false"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 \d+ [\d.]+", root.get("viewBox", ""))
    assert {r.get("fill") for r in bars(root)} == {BAR}
    assert {t.get("fill") for t in root.iter(f"{SVG}text")} == {TEXT}
    assert all(float(t.get("font-size", "0")) >= 16 for t in root.iter(f"{SVG}text"))


@pytest.mark.parametrize(
    "rows",
    [
        (),
        (Row("A", (0,)), Row("B", (0,))),
        (Row("A", (FEWER,)), Row("B", (SUPPRESSED,)), Row("Total", (9,), total=True)),
        (Row("A", ()),),  # a row without the column at all
    ],
    ids=["empty", "all-zero", "only-words", "missing-column"],
)
def test_nothing_to_draw_says_so(rows: tuple[Row, ...]) -> None:
    root = parse(bar_chart(table(*rows)))
    assert bars(root) == []
    assert texts(root) == [NOTHING]


def test_a_zero_among_figures_draws_a_bar_of_no_length() -> None:
    root = parse(bar_chart(table(Row("A", (0,)), Row("B", (4,)))))
    widths = [float(r.get("width", "")) for r in bars(root)]
    assert widths[0] == 0 and widths[1] > 0


# The macro, rendered through the app's own Jinja environment.


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Environment:
    settings = make_settings(tmp_path_factory.mktemp("charts"))
    templates = create_app(settings).state.templates
    assert isinstance(templates, Environment)
    return templates


def render(env: Environment, t: ReportTable) -> str:
    source = '{% from "reports/_table.html" import report_table %}{{ report_table(t) }}'
    return env.from_string(source).render(t=t)


def test_macro_renders_a_govuk_table_with_a_chart(env: Environment) -> None:
    html = render(env, table(*SAMPLE.rows, note="Referrals received in the period."))
    assert html.count("<caption") == 1
    assert 'class="govuk-table__caption govuk-table__caption--m"' in html
    assert 'id="by-source"' in html
    assert "govuk-table--small-text-until-tablet" in html
    assert html.count('<th scope="col"') == 3
    assert html.count('<th scope="row"') == len(SAMPLE.rows)
    assert "Referrals received in the period." in html
    assert html.index("Referrals received") < html.index("</caption>")
    assert html.count("govuk-table__cell--numeric") == 10
    # The total row is bold, label and cells; the others are not.
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", html, re.S)
    total = next(r for r in rows if ">Total<" in r)
    assert total.count("govuk-!-font-weight-bold") == 3
    assert html.count("govuk-!-font-weight-bold") == 3
    # The cells say what the chart says, with the same words.
    for words in ("40", "90", SUPPRESSED, FEWER, "74", "120"):
        assert f">{words}</td>" in html
    assert html.count("<svg") == 1 and 'aria-hidden="true"' in html
    assert html.index("<svg") < html.index("<table")
    assert "<figure" not in html and "style=" not in html


def test_macro_without_chart_or_note(env: Environment) -> None:
    html = render(env, table(Row("Self", (1234, None)), chart=False))
    assert "<svg" not in html
    assert "govuk-body-s" not in html
    assert ">1,234</td>" in html and ">No figure</td>" in html


def test_macro_escapes_labels_captions_and_ids(env: Environment) -> None:
    hostile = ReportTable(
        id='x" onclick="y',
        caption=HOSTILE,
        columns=(HOSTILE, "Count"),
        rows=(Row(HOSTILE, (5,)),),
        chart=True,
        note=HOSTILE,
    )
    html = render(env, hostile)
    assert "<script>" not in html
    assert 'onclick="y"' not in html
    assert html.count("&lt;script&gt;") == 5  # caption, note, heading, row label, chart label


def test_chart_filter_is_registered_for_every_environment() -> None:
    from pafinder.web.templating import make_environment

    env = make_environment()
    assert "bar_chart" in env.filters and "cell_text" in env.filters
    assert Path(env.loader.get_source(env, "reports/_table.html")[1] or "").name == "_table.html"  # type: ignore[union-attr]
