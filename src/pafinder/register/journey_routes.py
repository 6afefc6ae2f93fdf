"""'Register as a PA': start page, question pages, check your answers, email verification.

Answers live in a server-side draft (its id in the signed session cookie), saved on every POST,
valid or not, so a refresh, the back button or an error never loses what was typed. Submitting
creates an 'unverified' listing and emails a signed link; only the link puts the listing in the
staff queue. Spam defences cost a real person nothing: a honeypot field, a minimum fill time and
a per-address rate limit.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from pafinder.db import utcnow
from pafinder.register import index, journey_forms, lifecycle_mail, lifecycle_store
from pafinder.register.journey_models import STEPS
from pafinder.register.journey_parse import MULTI_FIELDS, parse_all, parse_step
from pafinder.web import drafts
from pafinder.web.forms import Errors, form_to_dict
from pafinder.web.render import render_page

BASE = "/become-a-pa/register"
DRAFT_KIND = "pa-registration"
SESSION_DRAFT = "pa_draft"
HONEYPOT = "website"
MIN_FILL_SECONDS = 5.0
REGISTER_RATE = "3/hour"
# Per connection: generous, as a library or college may share one address.
REGISTER_RATE_ADDRESS = "10/hour"
RESEND_RATE = "3/hour"
MAX_RAW = 5000  # longest answer kept in a draft (the longest allowed is 2,000)


def _draft(request: Request) -> tuple[str, dict[str, Any]] | None:
    draft_id = request.session.get(SESSION_DRAFT)
    data = drafts.load_draft(request.app.state.engine, draft_id, DRAFT_KIND)
    if data is None or not isinstance(draft_id, str):
        return None
    data.setdefault("answers", {})
    return draft_id, data


def _keep(raw: dict[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in list(raw.items())[:200]:
        if key == HONEYPOT:
            continue
        kept[key[:100]] = value[:100] if isinstance(value, list) else str(value)[:MAX_RAW]
    return kept


def _labels(request: Request) -> dict[str, dict[str, str]]:
    return journey_forms.taxonomies(request.app.state.content)


def _expired(request: Request) -> Response:
    return RedirectResponse(f"{BASE}?expired=1", status_code=303)


async def start(request: Request) -> Response:
    if request.method == "POST":
        current = _draft(request)
        if (
            current is not None
            and not current[1].get("_submitted_ref")
            and not current[1].get("_discarded")
        ):
            return RedirectResponse(f"{BASE}/{STEPS[0]}", status_code=303)
        draft_id = drafts.new_draft(
            request.app.state.engine, DRAFT_KIND, {"_started": time.time(), "answers": {}}
        )
        request.session[SESSION_DRAFT] = draft_id
        return RedirectResponse(f"{BASE}/{STEPS[0]}", status_code=303)
    return render_page(
        request,
        "register/journey/start.html",
        title="Register as a personal assistant",
        expired=request.query_params.get("expired") == "1",
        nav="becoming-a-pa",
        in_progress=_draft(request) is not None,
    )


def _render_step(
    request: Request, step: str, raw: dict[str, Any], errors: Errors, status_code: int, change: bool
) -> Response:
    back = journey_forms.previous_step(step)
    return render_page(
        request,
        journey_forms.template_for(step),
        status_code=status_code,
        title=journey_forms.TITLES[step],
        errors=errors,
        error_list=journey_forms.error_summary(errors, step),
        back_link=f"{BASE}/check-answers" if change else (f"{BASE}/{back}" if back else BASE),
        action=f"{BASE}/{step}" + ("?change=1" if change else ""),
        button="Save and continue",
        edit=False,
        honeypot=step == STEPS[0],
        step_number=STEPS.index(step) + 1,
        step_count=len(STEPS),
        **journey_forms.page_context(step, raw, errors, _labels(request)),
    )


async def question(request: Request) -> Response:
    step = request.path_params["step"]
    if step not in STEPS:
        return render_page(request, "pages/404.html", status_code=404, title="Page not found")
    current = _draft(request)
    if current is None:
        return _expired(request)
    draft_id, data = current
    if data.get("_submitted_ref") or data.get("_discarded"):
        return RedirectResponse(f"{BASE}/check-your-email", status_code=303)
    change = request.query_params.get("change") == "1"
    engine = request.app.state.engine
    if request.method == "GET":
        raw = data["answers"].get(step, {})
        errors: Errors = {}
        if request.query_params.get("check") == "1":
            _, errors = parse_step(step, raw, _labels(request), utcnow().date())
        return _render_step(request, step, raw, errors, 200, change)

    form = await request.form()
    raw = _keep(form_to_dict(form, multi=MULTI_FIELDS[step]))
    if str(form.get(HONEYPOT, "")):
        data["_bot"] = True
    data["answers"][step] = raw
    drafts.save_draft(engine, draft_id, DRAFT_KIND, data)
    clean, errors = parse_step(step, raw, _labels(request), utcnow().date())
    if errors or clean is None:
        return _render_step(request, step, raw, errors, 400, change)
    following = journey_forms.next_step(step)
    if change or following is None:
        return RedirectResponse(f"{BASE}/check-answers", status_code=303)
    return RedirectResponse(f"{BASE}/{following}", status_code=303)


def _render_check(
    request: Request, listing: dict[str, Any], errors: Errors, status_code: int = 200
) -> Response:
    sections = journey_forms.summary_sections(
        listing, _labels(request), lambda step: f"{BASE}/{step}?change=1"
    )
    return render_page(
        request,
        "register/journey/check_answers.html",
        status_code=status_code,
        title="Check your answers before sending your registration",
        sections=sections,
        errors=errors,
        error_list=[{"text": m, "href": "#send"} for m in errors.values()],
        back_link=f"{BASE}/{STEPS[-1]}",
    )


async def check_answers(request: Request) -> Response:
    current = _draft(request)
    if current is None:
        return _expired(request)
    draft_id, data = current
    if data.get("_submitted_ref") or data.get("_discarded"):
        return RedirectResponse(f"{BASE}/check-your-email", status_code=303)
    listing, bad_step = parse_all(data["answers"], _labels(request), utcnow().date())
    if bad_step is not None:
        return RedirectResponse(f"{BASE}/{bad_step}?check=1", status_code=303)
    if request.method == "GET":
        return _render_check(request, listing, {})

    form = await request.form()
    engine = request.app.state.engine
    settings = request.app.state.settings
    if str(form.get(HONEYPOT, "")) or data.get("_bot"):
        # Look exactly like success to a robot; keep nothing it typed.
        drafts.save_draft(engine, draft_id, DRAFT_KIND, {"_discarded": True, "answers": {}})
        return RedirectResponse(f"{BASE}/check-your-email", status_code=303)
    if time.time() - float(data.get("_started", 0)) < MIN_FILL_SECONDS:
        return _render_check(
            request,
            listing,
            {"send": "Please check your answers and send your registration again"},
            400,
        )
    client = request.client.host if request.client else "unknown"
    if not request.app.state.limiter.hit(REGISTER_RATE_ADDRESS, "pa-register-ip", client):
        return _render_check(
            request,
            listing,
            {
                "send": "Lots of registrations have been sent from your internet connection in "
                "the last hour, so yours has not been sent yet. Your answers are saved. Wait an "
                "hour, then send it again, or phone us"
            },
            429,
        )
    if not request.app.state.limiter.hit(REGISTER_RATE, "pa-register", listing["email"]):
        return _render_check(
            request,
            listing,
            {
                "send": "You have sent several registrations for this email address in the last "
                "hour. Wait an hour, then try again, or phone us"
            },
            429,
        )

    ref, created_id = await run_in_threadpool(_create, engine, draft_id, listing)
    if created_id is not None:
        index.refresh_pa(engine, settings, created_id)
        await run_in_threadpool(
            lifecycle_mail.send_verification, settings, listing["email"], listing["first_name"], ref
        )
    return RedirectResponse(f"{BASE}/check-your-email", status_code=303)


def _create(engine: Any, draft_id: str, listing: dict[str, Any]) -> tuple[str, int | None]:
    """One listing per draft however often it is sent: the second send finds the first's ref."""
    for _attempt in range(5):
        ref = lifecycle_store.new_ref()
        try:
            with engine.begin() as conn:
                # Two sends of one draft at once (a double click reaching two workers): lock the
                # draft's row, so the second waits for the first to commit and then finds its
                # reference. Without it PostgreSQL let both read "not sent" and made two
                # listings (SQLite's BEGIN IMMEDIATE already serialises them).
                conn.execute(
                    select(drafts.form_drafts.c.id)
                    .where(drafts.form_drafts.c.id == draft_id)
                    .with_for_update()
                )
                earlier = drafts.claim_draft(conn, draft_id, ref)
                if earlier is not None:
                    return earlier, None
                return ref, lifecycle_store.create_unverified(conn, ref, listing)
        except IntegrityError:
            continue  # the random reference was taken: draw another
    raise RuntimeError("could not allocate a listing reference")


async def check_your_email(request: Request) -> Response:
    current = _draft(request)
    if current is None:
        return _expired(request)
    _, data = current
    if not (data.get("_submitted_ref") or data.get("_discarded")):
        return RedirectResponse(f"{BASE}/check-answers", status_code=303)
    email = data.get("answers", {}).get("about-you", {}).get("email", "")
    if data.get("_submitted_ref"):
        # A sent draft's answers are wiped (drafts.claim_draft): the listing has the address.
        listing = await run_in_threadpool(
            lifecycle_store.get, request.app.state.engine, data["_submitted_ref"]
        )
        email = listing["email"] if listing else ""
    return render_page(
        request,
        "register/journey/check_your_email.html",
        title="Check your email",
        email=email,
        ref=data.get("_submitted_ref", ""),
    )


async def verify(request: Request) -> Response:
    settings = request.app.state.settings
    try:
        ref = lifecycle_mail.read_token(
            settings, lifecycle_mail.VERIFY, request.path_params["token"]
        )
        result = lifecycle_store.verify_email(request.app.state.engine, settings, ref)
    except lifecycle_mail.TokenProblem as problem:
        return _link_problem(request, problem.expired)
    except lifecycle_store.NotFound:
        return _link_problem(request, expired=False)
    return render_page(
        request,
        "register/journey/verified.html",
        title="Email address confirmed" if not result.already else "You have already confirmed",
        ref=result.ref,
        already=result.already,
    )


def _link_problem(
    request: Request,
    expired: bool,
    email: str = "",
    errors: Errors | None = None,
    status_code: int = 400,
) -> Response:
    errors = errors or {}
    return render_page(
        request,
        "register/journey/link_problem.html",
        status_code=status_code,
        title="This link has expired" if expired else "This link does not work",
        expired=expired,
        email=email,
        errors=errors,
        error_list=[{"text": m, "href": "#email"} for m in errors.values()],
    )


async def resend(request: Request) -> Response:
    if request.method == "GET":
        return _link_problem(request, expired=False, status_code=200)
    form = await request.form()
    email = str(form.get("email", "")).strip().lower()[:254]
    if "@" not in email or "." not in email.rpartition("@")[2]:
        return _link_problem(
            request,
            expired=False,
            email=email,
            errors={"email": "Enter an email address in the correct format, like name@example.com"},
        )
    settings = request.app.state.settings
    if request.app.state.limiter.hit(RESEND_RATE, "pa-resend", email):
        for listing in lifecycle_store.for_email(request.app.state.engine, email, ("unverified",)):
            await run_in_threadpool(
                lifecycle_mail.send_verification,
                settings,
                email,
                listing["first_name"],
                listing["ref"],
            )
    # The same answer whatever happened, so the page never reveals who has registered.
    return render_page(
        request, "register/journey/link_sent.html", title="Check your email", email=email
    )


routes: list[BaseRoute] = [
    Route(BASE, start, methods=["GET", "POST"]),
    Route(f"{BASE}/check-answers", check_answers, methods=["GET", "POST"]),
    Route(f"{BASE}/check-your-email", check_your_email),
    Route(f"{BASE}/resend-link", resend, methods=["GET", "POST"]),
    Route(f"{BASE}/{{step}}", question, methods=["GET", "POST"]),
    Route("/become-a-pa/verify/{token}", verify),
]
