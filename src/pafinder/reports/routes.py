"""`GET /staff/reports` (the services a member works on) and `GET /staff/reports/{slug}` with
`.csv` and `.xlsx` beside it (`?from=&to=`, YYYY-MM-DD, both days included; this quarter when
neither is given; `raw=yes` for admins: every number, no small-number rule).

A service the member does not work on is refused (403, audited), as is `raw=yes` from anyone but
an admin. Every view and download is audited with its period: a return is what the council
receives, so who produced which one matters.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pafinder.content import Service
from pafinder.db import utcnow
from pafinder.periods import period_name, quarter
from pafinder.reports import period, returns
from pafinder.staff import store as staff_store
from pafinder.staff.auth import actor, refuse_service, staff_required
from pafinder.web.render import render_page
from pafinder.workdays import london_date

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# How the audit log says the return was shown (an auditor reads words, not extensions).
SHOWN_AS = {"html": "The page", "csv": "CSV download", "xlsx": "XLSX download"}


@staff_required()
async def index(request: Request) -> Response:
    return await _index(request)


async def _index(request: Request, status_code: int = 200, unknown: str = "") -> Response:
    """The list of services; with ``unknown``, a 404 saying no service has that name."""
    member = request.state.staff
    services = [s for s in request.app.state.content.services if member.may_see(s.slug)]
    today = london_date(utcnow())
    return render_page(
        request,
        "reports/index.html",
        status_code=status_code,
        unknown=unknown,
        title="Returns",
        services=services,
        this_quarter=period.quarter_choices(today, 1)[0],
        last_quarter=period.quarter_choices(today, 2)[1],
        breadcrumbs=[{"text": "Staff area", "href": "/staff/"}],
    )


def _one(request: Request, name: str) -> tuple[str, bool]:
    """(what was typed, sent more than once) for one query parameter."""
    sent = [str(v).strip()[:30] for v in request.query_params.getlist(name)]
    return (sent[0] if sent else ""), len(set(sent)) > 1


def _build_and_audit(
    engine: Engine, who: str, service: Service, start: date, end: date, raw: bool, how: str
) -> returns.Return:
    built = returns.build(engine, service, start, end, raw=raw)
    with engine.begin() as conn:
        shown = SHOWN_AS[how]
        detail = {"from": start.isoformat(), "to": end.isoformat(), "raw": raw, "format": shown}
        staff_store.record(conn, who, "report.produced", "service", service.slug, detail)
    return built


async def _report(request: Request, slug: str, how: str) -> Response:
    content = request.app.state.content
    service: Service | None = content.service(slug)
    if service is None:
        return await _index(request, status_code=404, unknown=slug[:60])
    member = request.state.staff
    if not member.may_see(slug):
        return await run_in_threadpool(refuse_service, request, "service", slug)
    raw_typed, _ = _one(request, "raw")
    raw = raw_typed == "yes"
    if raw and not member.is_admin:
        return await run_in_threadpool(refuse_service, request, "service", slug)
    today = london_date(utcnow())
    typed = {name: _one(request, name) for name in ("from", "to")}
    errors: dict[str, str] = {
        name: f"Enter only one date for {name}" for name, (_, twice) in typed.items() if twice
    }
    start: date | None
    end: date | None
    if not typed["from"][0] and not typed["to"][0]:
        start, end = quarter(today)
    else:
        start, end, found = period.parse(typed["from"][0], typed["to"][0])
        errors.update(found)
    if errors or start is None or end is None:
        if how != "html":
            return Response(
                "The dates are not right: " + "; ".join(errors.values()) + "\n",
                status_code=400,
                media_type="text/plain; charset=utf-8",
            )
        start, end = quarter(today)
    built = await run_in_threadpool(
        _build_and_audit, request.app.state.engine, actor(request), service, start, end, raw, how
    )
    query = {"from": start.isoformat(), "to": end.isoformat(), **({"raw": "yes"} if raw else {})}
    filename = f"return-{slug}-{start.isoformat()}-to-{end.isoformat()}{'-raw' if raw else ''}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}.{how}"'}
    from pafinder.reports import exports  # openpyxl loads only when a return is downloaded

    if how == "csv":
        # With a byte order mark, so Excel opens it as UTF-8 (names like Zoë stay whole).
        from pafinder.reports import exports  # openpyxl loads only when a return is downloaded

        body = "\ufeff" + exports.to_csv(built.title_lines, list(built.tables))
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
    if how == "xlsx":
        data = await run_in_threadpool(exports.to_xlsx, built.title_lines, list(built.tables))
        return Response(data, media_type=XLSX, headers=headers)
    return render_page(
        request,
        "reports/report.html",
        status_code=400 if errors else 200,
        title=f"Return for the {service.name}",
        service=service,
        built=built,
        period_words=period_name(start, end),
        errors=errors,
        error_list=[{"text": m, "href": f"#{f}"} for f, m in errors.items()],
        typed={name: value for name, (value, _) in typed.items()},
        quarters=period.quarter_choices(today),
        months=period.month_choices(today),
        year=period.year_choice(today),
        query=urlencode(query),
        rule=returns.SUPPRESSION_RULE,
        is_admin=member.is_admin,
        breadcrumbs=[
            {"text": "Staff area", "href": "/staff/"},
            {"text": "Returns", "href": "/staff/reports"},
        ],
    )


@staff_required()
async def report_page(request: Request) -> Response:
    return await _report(request, request.path_params["slug"], "html")


@staff_required()
async def report_csv(request: Request) -> Response:
    return await _report(request, request.path_params["slug"], "csv")


@staff_required()
async def report_xlsx(request: Request) -> Response:
    return await _report(request, request.path_params["slug"], "xlsx")


# The downloads come first: "{slug}" alone would also match "carers.csv".
routes = [
    Route("/staff/reports", index, methods=["GET"]),
    Route("/staff/reports/{slug}.csv", report_csv, methods=["GET"]),
    Route("/staff/reports/{slug}.xlsx", report_xlsx, methods=["GET"]),
    Route("/staff/reports/{slug}", report_page, methods=["GET"]),
]
