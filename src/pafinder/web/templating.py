"""One Jinja environment for the static build and the dynamic app.

GOV.UK Frontend macros come from govuk-frontend-jinja under the prefix ``govuk_frontend_jinja/``;
our own templates come from web/templates and each feature's templates folder.
ChainableUndefined is needed because the GOV.UK base template calls macros with no arguments.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    select_autoescape,
)

from pafinder.reports.charts import TEMPLATE_FILTERS as REPORT_FILTERS

PACKAGE_DIR = Path(__file__).resolve().parent.parent
FEATURES = (
    "web",
    "register",
    "referrals",
    "events",
    "staff",
    "reports",
    "feedback",
    "complaints",
    "newsletter",
    "dataprotection",
    "jobs",
    "alerts",
    "costs",
    "easy_read",
    "formats",
)
LONDON = ZoneInfo("Europe/London")


def template_dirs() -> list[str]:
    return [str(PACKAGE_DIR / feature / "templates") for feature in FEATURES]


def london(value: datetime) -> datetime:
    """Stored times are naive UTC; show them in Europe/London."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    return value.astimezone(LONDON)


def format_date(value: date | datetime | str | None) -> str:
    """'1 November 2026', the GOV.UK style."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = london(value)
    return f"{value.day} {value:%B %Y}"


def format_time(value: datetime) -> str:
    """'9am', '2:30pm' (GOV.UK style for times)."""
    local = london(value)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    if local.hour == 12 and local.minute == 0:
        return "midday"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"


# Code points HTML forbids in a document (controls other than tab, line feed, form feed and
# carriage return; noncharacters): a stranger's form answer shown again must not carry them
# into the page, where parsers report the page as broken (found by tests/test_form_properties).
_FORBIDDEN = [
    *range(0x01, 0x09),
    0x0B,
    *range(0x0E, 0x20),
    *range(0x7F, 0xA0),
    *range(0xFDD0, 0xFDF0),
    *(plane * 0x10000 + last for plane in range(17) for last in (0xFFFE, 0xFFFF)),
]
_NOT_IN_HTML = re.compile("[" + "".join(re.escape(chr(c)) for c in _FORBIDDEN) + "]")
# The same test for ASCII text (nearly every value), ten times faster than the full class
# above, which was a fifth of the /find-a-pa page's time (issue 16).
_NOT_IN_ASCII_HTML = re.compile("[\x01-\x08\x0b\x0e-\x1f\x7f]")
_DROP = dict.fromkeys(_FORBIDDEN)


def _printable(value: Any) -> Any:
    """Every ``{{ value }}`` passes here before it is escaped (Jinja's ``finalize``). Markup
    too (the GOV.UK macros escape attributes into Markup first); Markup's own translate keeps
    it Markup, and dropping a control character cannot make markup of text."""
    if not isinstance(value, str):
        return value
    if (_NOT_IN_ASCII_HTML if value.isascii() else _NOT_IN_HTML).search(value):
        return value.translate(_DROP)
    return value


def make_environment(
    globals_: Mapping[str, Any] | None = None, auto_reload: bool = False
) -> Environment:
    """``auto_reload`` checks every template's file on each use (5% of a search page's time):
    the app asks for it in development only; a build renders each template once anyway."""
    env = Environment(
        auto_reload=auto_reload,
        finalize=_printable,
        loader=ChoiceLoader(
            [
                PrefixLoader(
                    {"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")}
                ),
                FileSystemLoader(template_dirs()),
            ]
        ),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["date"] = format_date
    env.filters["time"] = format_time
    env.filters.update(REPORT_FILTERS)  # cell_text, bar_chart: the returns' tables and charts
    env.globals.update(globals_ or {})
    return env


_JS_ENABLED_SCRIPT = re.compile(r"<script[^>]*>(document\.body\.className.*?)</script>", re.S)


def inline_script_hashes(env: Environment) -> list[str]:
    """CSP hashes for the one inline script in the GOV.UK base template.

    Static pages cannot carry a per-request nonce, so the Content-Security-Policy allows this
    exact script by its SHA-256 instead of 'unsafe-inline'.
    """
    loader = env.loader
    assert loader is not None
    source, _, _ = loader.get_source(env, "govuk_frontend_jinja/template.html")
    hashes = []
    for body in _JS_ENABLED_SCRIPT.findall(source):
        digest = hashlib.sha256(body.encode()).digest()
        hashes.append("'sha256-" + base64.b64encode(digest).decode() + "'")
    if not hashes:
        raise RuntimeError("GOV.UK template's js-enabled script not found: update the CSP hash")
    return hashes
