"""The `/find-a-pa` filter panel's checkboxes and radios, written by a lean function of our own.

Why: GOV.UK Frontend's `govukCheckboxes` and `govukRadios` macros were 48% of the page's time
(issue 16): about 90 options, each a macro call that builds its label through two more macros,
`indent`s and re-escapes nested markup. This writes the same markup (same classes, ids, labels,
`aria-describedby`, fieldset and legend, `data-module`) with one pass over the options;
tests/register/test_find_speed_markup.py compares it with the macros' own output for a set of
searches. Only the shapes the panel uses are drawn: a fieldset with a legend and an optional
hint, or a lone checkbox. A field with an error still goes through the GOV.UK macro (rare, and
its error message is the person's own input shown again), so this never draws one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from markupsafe import Markup, escape

from pafinder.web.templating import _printable as printable

Kind = Literal["checkboxes", "radios"]
_INPUT_TYPE = {"checkboxes": "checkbox", "radios": "radio"}


def _text(value: Any) -> str:
    """As ``{{ value }}`` would write it: forbidden code points dropped, then escaped."""
    return str(escape(printable(str(value))))


def options(
    kind: Kind,
    name: str,
    items: Iterable[Mapping[str, Any]],
    legend: str | None = None,
    legend_classes: str = "",
    hint: str | None = None,
    classes: str = "",
) -> Markup:
    """One form group of checkboxes or radios (``items``: value, text, checked), with a fieldset
    when ``legend`` is given; ids as GOV.UK's: ``name``, then ``name-2``, ``name-3`` ..."""
    css = f"govuk-{kind}"
    kind_classes = f"{css} {classes}" if classes else css
    input_type = _INPUT_TYPE[kind]
    out = ['<div class="govuk-form-group">\n']
    if legend is not None:
        hint_id = f"{name}-hint"
        described = f' aria-describedby="{hint_id}"' if hint else ""
        legend_css = f"govuk-fieldset__legend {legend_classes}".rstrip()
        out.append(f'<fieldset class="govuk-fieldset"{described}>\n')
        out.append(f'<legend class="{legend_css}">\n{_text(legend)}\n</legend>\n')
        if hint:
            out.append(f'<div id="{hint_id}" class="govuk-hint">\n{_text(hint)}\n</div>\n')
    out.append(f'<div class="{kind_classes}" data-module="govuk-{kind}">\n')
    for index, item in enumerate(items, start=1):
        item_id = name if index == 1 else f"{name}-{index}"
        checked = " checked" if item.get("checked") else ""
        out.append(
            f'<div class="{css}__item">\n'
            f'<input class="{css}__input" id="{item_id}" name="{name}" type="{input_type}" '
            f'value="{_text(item.get("value", ""))}"{checked}>\n'
            f'<label class="govuk-label {css}__label" for="{item_id}">\n'
            f"{_text(item.get('text', ''))}\n</label>\n</div>\n"
        )
    out.append("</div>\n")
    if legend is not None:
        out.append("</fieldset>\n")
    out.append("</div>\n")
    return Markup("".join(out))  # noqa: S704 - every value and text escaped by _text


def facts(
    listing: Any, areas: Mapping[str, str], tasks: Mapping[str, str], dbs: Mapping[str, str]
) -> dict[str, str]:
    """A result's summary lines as text (the template escapes them): one output each instead of
    a loop of outputs per label, for each of a page's 20 results."""
    task_text = "; ".join(tasks.get(t, t) for t in listing.tasks[:4])
    if len(listing.tasks) > 4:
        task_text += f"; and {len(listing.tasks) - 4} more"
    dbs_text = dbs[listing.dbs]
    if listing.dbs != "none":
        checked = (
            "checked by our staff" if listing.dbs_checked else "declared by the PA, not yet checked"
        )
        dbs_text += f", {checked}"
    return {
        "areas": ", ".join(areas.get(a, a) for a in listing.areas),
        "tasks": task_text,
        "dbs": dbs_text,
    }
