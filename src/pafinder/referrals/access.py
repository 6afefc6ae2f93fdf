"""Which referrals a staff member may work on (CONTRACT "Staff back office"): those of the
services their account carries, or every service for admins and accounts with none. Every
/staff/referrals/{ref}... route loads its referral through ``referral_for`` so the rule is kept
in one place; tests/staff/test_route_permissions.py checks each such route refuses."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pafinder.referrals import store
from pafinder.staff import store as staff_store
from pafinder.staff.auth import refuse_service
from pafinder.web.render import render_page


async def referral_for(request: Request, ref: str) -> store.Referral | Response:
    """The referral, or the response to send instead: 404 when there is none, 403 (with an
    audit row) when it belongs to a service the signed-in member does not work on."""
    referral = await run_in_threadpool(store.get, request.app.state.engine, ref)
    if referral is None:
        return render_page(request, "pages/404.html", status_code=404, title="Page not found")
    if not request.state.staff.may_see(referral.service):
        return await run_in_threadpool(refuse_service, request, "referral", ref)
    return referral


def assignable(engine: object, service: str) -> dict[int, str]:
    """{staff id: email} of the active accounts that work on ``service``: a referral is only
    ever assigned to someone who may open it."""
    members = staff_store.list_staff(engine)  # type: ignore[arg-type]
    return {m.id: m.email for m in members if not m.disabled and m.may_see(service)}
