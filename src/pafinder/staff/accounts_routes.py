"""/staff/accounts: administrators add, disable, enable and unlock staff accounts, set the services
each works on and set a temporary password (issue 9, point 6).

A new account's first password is typed by the administrator (at least MIN_PASSWORD_LENGTH
characters) and passed to the person by another route, such as a phone call: it is hashed at
once, never stored, shown, logged or put back into a re-shown form. Nothing here emails a
password, so a mistyped address never leaks one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from pafinder.staff import signin, store
from pafinder.staff.auth import MIN_PASSWORD_LENGTH, actor, hash_password, staff_required
from pafinder.web.forms import error_list
from pafinder.web.params import parse_id
from pafinder.web.render import render_page

EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+$")
EMAIL_MAX = 254
PASSWORD_MAX = 1000  # argon2 takes any length; this only bounds the work
ROLE_LABELS = {"staff": "Staff", "admin": "Administrator"}
ADD_FIELDS = ("email", "role", "services", "password")
# What the banner on the list says after each action (the account is named by its email).
DONE = {
    "added": "{email} can now sign in with the password you set. Give it to them by phone or "
    "in person, not by email.",
    "disabled": "{email} is disabled. Any session they had open has ended.",
    "enabled": "{email} is enabled. They can sign in again.",
    "unlocked": "{email} can sign in again now: the sign-in pause is lifted.",
    "services": "The services {email} works on are saved.",
    "password": "{email} has a new password. Any session they had open has ended.",
}


@dataclass(frozen=True)
class Row:
    member: store.StaffMember
    paused: bool

    @property
    def state(self) -> str:
        if self.member.disabled:
            return "Disabled"
        return "Sign-in paused" if self.paused else "Active"


def _service_names(request: Request) -> dict[str, str]:
    return {s.slug: s.name for s in request.app.state.content.services}


def _services_text(member: store.StaffMember, names: dict[str, str]) -> str:
    if member.is_admin:
        return "All services (administrator)"
    if not member.services:
        return "All services"
    return ", ".join(sorted(names.get(s, s) for s in member.services))


def _rows(engine: Any) -> list[Row]:
    return [
        Row(m, store.is_throttled(engine, signin.account_key(m.email)))
        for m in store.list_staff(engine)
    ]


def _chosen_services(form: FormData, names: dict[str, str], errors: dict[str, str]) -> list[str]:
    chosen = sorted({str(v) for v in form.getlist("services")})
    if any(s not in names for s in chosen):
        errors["services"] = "Choose services from the list"
        return [s for s in chosen if s in names]
    return chosen


def _password(form: FormData, errors: dict[str, str], field: str = "password") -> str:
    password = str(form.get(field, ""))
    if not password:
        errors[field] = "Enter a temporary password"
    elif len(password) < MIN_PASSWORD_LENGTH:
        errors[field] = f"The password must be {MIN_PASSWORD_LENGTH} characters or more"
    elif len(password) > PASSWORD_MAX:
        errors[field] = f"The password must be {PASSWORD_MAX} characters or fewer"
    return password


async def _list_page(
    request: Request,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    engine = request.app.state.engine
    rows = await run_in_threadpool(_rows, engine)
    names = _service_names(request)
    banner = None
    done = request.query_params.get("done", "")
    account = parse_id(request.query_params.get("account"))
    if done in DONE and account is not None and not errors:
        found = next((r.member for r in rows if r.member.id == account), None)
        banner = DONE[done].format(email=found.email) if found else None
    errors = errors or {}
    return render_page(
        request,
        "staff/accounts/list.html",
        status_code=status_code,
        title="Staff accounts",
        rows=rows,
        names=names,
        services_text={r.member.id: _services_text(r.member, names) for r in rows},
        role_labels=ROLE_LABELS,
        values=values or {"email": "", "role": "", "services": []},
        errors=errors,
        error_list=error_list(errors, ADD_FIELDS),
        banner=banner,
        min_password=MIN_PASSWORD_LENGTH,
    )


@staff_required(role="admin")
async def accounts(request: Request) -> Response:
    if request.method == "GET":
        return await _list_page(request)
    form = await request.form()
    names = _service_names(request)
    errors: dict[str, str] = {}
    email = store.normalise_email(str(form.get("email", "")))[: EMAIL_MAX + 1]
    role = str(form.get("role", ""))
    if not email:
        errors["email"] = "Enter an email address"
    elif len(email) > EMAIL_MAX or not EMAIL.match(email):
        errors["email"] = "Enter an email address in the correct format, like name@example.com"
    if role not in store.ROLES:
        errors["role"] = "Choose a role: staff or administrator"
    services = _chosen_services(form, names, errors)
    password = _password(form, errors)
    engine = request.app.state.engine
    existing = await run_in_threadpool(store.get_by_email, engine, email) if email else None
    if "email" not in errors and existing is not None:
        errors["email"] = f"There is already a staff account for {email}"
    values = {"email": email[:EMAIL_MAX], "role": role, "services": services}
    if errors:
        return await _list_page(request, values, errors, 400)
    password_hash = await run_in_threadpool(hash_password, password)
    try:
        staff_id = await run_in_threadpool(
            store.add_staff, engine, email, password_hash, role, frozenset(services), actor(request)
        )
    except IntegrityError:  # added by someone else a moment ago
        errors["email"] = f"There is already a staff account for {email}"
        return await _list_page(request, values, errors, 400)
    return _done("added", staff_id)


def _done(what: str, staff_id: int) -> Response:
    return RedirectResponse(f"/staff/accounts?done={what}&account={staff_id}", status_code=303)


async def _member(request: Request) -> store.StaffMember | None:
    staff_id = parse_id(request.path_params.get("staff_id"))
    if staff_id is None:
        return None
    return await run_in_threadpool(store.get_by_id, request.app.state.engine, staff_id)


def _not_found(request: Request) -> Response:
    return render_page(
        request,
        "pages/error.html",
        status_code=404,
        title="There is no such staff account",
        paragraphs=["It may have been typed wrongly."],
        next_href="/staff/accounts",
        next_text="Go to staff accounts",
    )


async def _account_page(
    request: Request,
    member: store.StaffMember,
    errors: dict[str, str] | None = None,
    services: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    engine = request.app.state.engine
    paused = await run_in_threadpool(store.is_throttled, engine, signin.account_key(member.email))
    names = _service_names(request)
    errors = errors or {}
    return render_page(
        request,
        "staff/accounts/account.html",
        status_code=status_code,
        title=f"Staff account: {member.email}",
        member=member,
        row=Row(member, paused),
        names=names,
        services_text=_services_text(member, names),
        role_labels=ROLE_LABELS,
        chosen=sorted(member.services) if services is None else services,
        errors=errors,
        error_list=error_list(errors, ("services", "disable", "password")),
        is_self=member.id == request.state.staff.id,
        back_link="/staff/accounts",
        min_password=MIN_PASSWORD_LENGTH,
    )


@staff_required(role="admin")
async def account(request: Request) -> Response:
    member = await _member(request)
    if member is None:
        return _not_found(request)
    return await _account_page(request, member)


@staff_required(role="admin")
async def set_services(request: Request) -> Response:
    member = await _member(request)
    if member is None:
        return _not_found(request)
    form = await request.form()
    errors: dict[str, str] = {}
    services = _chosen_services(form, _service_names(request), errors)
    if errors:
        return await _account_page(request, member, errors, services, 400)
    engine = request.app.state.engine
    await run_in_threadpool(
        store.set_services, engine, member.id, frozenset(services), actor(request)
    )
    return _done("services", member.id)


@staff_required(role="admin")
async def disable(request: Request) -> Response:
    member = await _member(request)
    if member is None:
        return _not_found(request)
    if member.id == request.state.staff.id:
        errors = {
            "disable": "You cannot disable your own account. Ask another administrator to do it"
        }
        return await _account_page(request, member, errors, status_code=400)
    # Disabling revokes every session of the account in the same transaction.
    await run_in_threadpool(store.disable, request.app.state.engine, member.email, actor(request))
    return _done("disabled", member.id)


@staff_required(role="admin")
async def enable(request: Request) -> Response:
    member = await _member(request)
    if member is None:
        return _not_found(request)
    await run_in_threadpool(store.enable, request.app.state.engine, member.id, actor(request))
    return _done("enabled", member.id)


@staff_required(role="admin")
async def unlock(request: Request) -> Response:
    member = await _member(request)
    if member is None:
        return _not_found(request)
    key = signin.account_key(member.email)
    await run_in_threadpool(store.unlock, request.app.state.engine, member.id, key, actor(request))
    return _done("unlocked", member.id)


@staff_required(role="admin")
async def set_password(request: Request) -> Response:
    member = await _member(request)
    if member is None:
        return _not_found(request)
    form = await request.form()
    errors: dict[str, str] = {}
    password = _password(form, errors)
    if errors:
        return await _account_page(request, member, errors, status_code=400)
    password_hash = await run_in_threadpool(hash_password, password)
    key = signin.account_key(member.email)
    engine = request.app.state.engine
    await run_in_threadpool(
        store.reset_password, engine, member.id, password_hash, key, actor(request)
    )
    return _done("password", member.id)


routes = [
    Route("/staff/accounts", accounts, methods=["GET", "POST"]),
    Route("/staff/accounts/{staff_id}", account, methods=["GET"]),
    Route("/staff/accounts/{staff_id}/services", set_services, methods=["POST"]),
    Route("/staff/accounts/{staff_id}/disable", disable, methods=["POST"]),
    Route("/staff/accounts/{staff_id}/enable", enable, methods=["POST"]),
    Route("/staff/accounts/{staff_id}/unlock", unlock, methods=["POST"]),
    Route("/staff/accounts/{staff_id}/password", set_password, methods=["POST"]),
]
