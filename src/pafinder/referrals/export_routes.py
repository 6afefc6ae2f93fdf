"""`GET /staff/exports/referrals.csv`: the export's CSV for a signed-in staff member, holding only
the services they work on (the command line's `pafinder export referrals` is the operator's and
holds every service). ``?service=SLUG`` narrows it; naming a service the member does not work
on is refused (403 and an audit row). Every download is audited, as the command's is."""

from __future__ import annotations

import io

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pafinder.db import utcnow
from pafinder.referrals import casework, store
from pafinder.referrals.commands import write_csv
from pafinder.staff import store as staff_store
from pafinder.staff.auth import actor, refuse_service, staff_required
from pafinder.web.render import render_page


def _export(engine: object, who: str, service: str | None, within: frozenset[str] | None) -> str:
    rows = store.list_referrals(engine, service, within=within)  # type: ignore[arg-type]
    out = io.StringIO()
    write_csv(out, rows, casework.staff_emails(engine))  # type: ignore[arg-type]
    with engine.begin() as conn:  # type: ignore[attr-defined]
        detail = {"rows": len(rows), "format": "csv", "services": sorted(within or ["*"])}
        staff_store.record(conn, who, "referrals.exported", "referral", service or "*", detail)
    return out.getvalue()


@staff_required()
async def referrals_csv(request: Request) -> Response:
    member = request.state.staff
    service = request.query_params.get("service") or None
    if service is not None:
        if request.app.state.content.service(service) is None:
            return render_page(request, "pages/404.html", status_code=404, title="Page not found")
        if not member.may_see(service):
            return await run_in_threadpool(refuse_service, request, "service", service)
    engine = request.app.state.engine
    body = await run_in_threadpool(
        _export, engine, actor(request), service, member.visible_services
    )
    name = f"referrals-{service or 'all'}-{utcnow():%Y-%m-%d}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


routes = [Route("/staff/exports/referrals.csv", referrals_csv, methods=["GET"])]
