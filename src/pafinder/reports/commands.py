"""`pafinder report SLUG --from --to [--format json|csv|xlsx] [--raw]` and `pafinder
send-reports` (monthly, from cron: tells each service's mailbox its return is ready, with a
link, never the figures: an email can be forwarded, a staff page checks who is asking)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
from typing import Any

import click
from sqlalchemy import Engine

from pafinder import mail, outbox
from pafinder.content import Content
from pafinder.db import utcnow
from pafinder.periods import period_name, quarter
from pafinder.referrals.digest import queue_once
from pafinder.referrals.models import referral_config
from pafinder.reports import period, returns
from pafinder.reports.tables import Percent
from pafinder.settings import Settings
from pafinder.staff import store as staff_store
from pafinder.workdays import london_date


def _open() -> tuple[Settings, Engine, Content]:
    from pafinder.content import load_content
    from pafinder.db import make_engine
    from pafinder.db import migrate as run_migrations

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    run_migrations(engine)
    return settings, engine, load_content(settings.content_dir, pages=False)


def as_json(built: returns.Return) -> dict[str, Any]:
    """CONTRACT "Quarterly returns": the period's measures by key; a percent is its number."""
    measures = {
        key: value.value if isinstance(value, Percent) else value
        for key, value in sorted(built.measures.items())
    }
    return {
        "service": built.service.slug,
        "from": built.start.isoformat(),
        "to": built.end.isoformat(),
        "measures": measures,
    }


@click.command("report")
@click.argument("slug")
@click.option("--from", "from_", required=True, help="First day, YYYY-MM-DD (included).")
@click.option("--to", "to", required=True, help="Last day, YYYY-MM-DD (included).")
@click.option(
    "--format",
    "form",
    type=click.Choice(["json", "csv", "xlsx"]),
    default="json",
    show_default=True,
)
@click.option("--raw", is_flag=True, help="Every number, without the small-number rule.")
def report(slug: str, from_: str, to: str, form: str, raw: bool) -> None:
    """Print a service's return for a period (dates in Europe/London, both included)."""
    start, end, errors = period.parse(from_, to)
    if errors or start is None or end is None:
        raise click.UsageError("; ".join(errors.values()))
    _, engine, content = _open()
    service = content.service(slug)
    if service is None:
        known = ", ".join(s.slug for s in content.services)
        raise click.UsageError(f"There is no service called '{slug}'. The services are: {known}")
    built = returns.build(engine, service, start, end, raw=raw)
    with engine.begin() as conn:
        shown = f"{form.upper()} from the command line"
        detail = {"from": start.isoformat(), "to": end.isoformat(), "raw": raw, "format": shown}
        staff_store.record(conn, "cli", "report.produced", "service", slug, detail)
    from pafinder.reports import exports  # openpyxl loads only when asked for a download

    if form == "json":
        click.echo(json.dumps(as_json(built), indent=2, ensure_ascii=False))
    elif form == "csv":
        click.echo(exports.to_csv(built.title_lines, list(built.tables)), nl=False)
    else:
        stream = sys.stdout.buffer
        if stream.isatty():
            raise click.UsageError(
                "An XLSX file is not text: send it to a file, like > return.xlsx"
            )
        stream.write(exports.to_xlsx(built.title_lines, list(built.tables)))
        stream.flush()


@dataclass(frozen=True)
class Notices:
    queued: int
    sent: int
    failed: int

    def line(self) -> str:
        return (
            f"Told {self.queued} service mailboxes their return is ready "
            f"({self.sent} sent, {self.failed} failed)."
        )


def _notice(
    settings: Settings, to: str, service_name: str, links: list[tuple[str, str]]
) -> EmailMessage:
    lines = [f"The return for the {service_name} is ready to check and send to the council.", ""]
    for words, href in links:
        lines += [f"{words}:", href, ""]
    lines += [
        "Sign in to the staff area to see it. This email holds no figures: the return stays in",
        "the staff area, where only the people who work on the service can see it.",
    ]
    return mail.build_message(
        settings, to, f"Your return for {links[0][0]} is ready", "\n".join(lines)
    )


def send_notices(engine: Engine, settings: Settings, content: Content, today: date) -> Notices:
    """For the month that ended before ``today`` (and its quarter, when it ends one), queue one
    email per service mailbox, once however often this runs, then deliver them."""
    month_start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    month_last = today.replace(day=1) - timedelta(days=1)
    periods = [(period_name(month_start, month_last), month_start, month_last)]
    q_start, q_end = quarter(month_start)
    if q_end == month_last:
        periods.append((period_name(q_start, q_end), q_start, q_end))
    ids = []
    base = settings.base_url.rstrip("/")
    for service in content.services:
        config = referral_config(service)
        if config is None:
            continue  # no mailbox to tell
        links = [
            (words, f"{base}/staff/reports/{service.slug}?from={s.isoformat()}&to={e.isoformat()}")
            for words, s, e in periods
        ]
        message = _notice(settings, config.staff_email, service.name, links)
        queued = queue_once(
            engine, [("return_ready", service.slug, month_start)], message, "return ready"
        )
        if queued is not None:
            ids.append(queued)
    delivered = outbox.deliver(engine, settings, ids) if ids else outbox.Delivery(0, 0, 0)
    return Notices(len(ids), delivered.sent, delivered.failed)


@click.command("send-reports")
def send_reports() -> None:
    """Email each service's mailbox that last month's return is ready (run monthly, from cron;
    safe to run again or on every machine: each month's notice goes once)."""
    settings, engine, content = _open()
    click.echo(send_notices(engine, settings, content, london_date(utcnow())).line())


commands: list[click.Command] = [report, send_reports]
