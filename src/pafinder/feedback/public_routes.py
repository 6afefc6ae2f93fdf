"""`GET/POST /feedback/{slug}`: the anonymous feedback form, and its thank-you page.

One question per outcome statement in the service's YAML (each may be left blank) and an
optional comment. A valid response is stored (service, UK date, answers, comment: nothing about
who sent it) and answered 303 to the thank-you page once committed. Errors: 400 with everything
typed. Robots (the honeypot filled in, or sent too fast) are shown the thank-you page and nothing
is kept, as the PA register does. Sending the same form twice records it once.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from pafinder.content import Service
from pafinder.db import utcnow
from pafinder.feedback import forms, store
from pafinder.web.csrf import EXPIRED_MESSAGE, rerender_on_csrf_failure
from pafinder.web.render import render_page
from pafinder.workdays import london_date

# Per connection. Generous: at a group or a drop-in many people may send feedback from one
# venue's wifi in a few minutes; it stops only a flood.
FEEDBACK_RATE_ADDRESS = "30/hour"
TAMPERED = "This form could not be checked. Check your answers, then send the form again"
BUSY = (
    "Your feedback has not been sent yet, because a lot of feedback has been sent from your "
    "internet connection in the last hour. Your answers are below. Wait an hour, then send it "
    "again"
)


def _service(request: Request) -> Service | None:
    found: Service | None = request.app.state.content.service(request.path_params["slug"])
    return found


def _not_found(request: Request) -> Response:
    return render_page(request, "pages/404.html", status_code=404, title="Page not found")


def _title(service: Service) -> str:
    return f"Tell us what you think of the {service.name.lower()}"


def _render(
    request: Request,
    service: Service,
    token: forms.FormToken,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    errors = errors or {}
    order = [forms.field_name(s) for s in service.outcome_statements] + ["comment"]
    error_list = [{"text": errors[f], "href": f"#{f}"} for f in order if f in errors]
    error_list += [
        {"text": m, "href": "#feedback-form"} for f, m in errors.items() if f not in order
    ]
    return render_page(
        request,
        "feedback/form.html",
        status_code=status_code,
        title=_title(service),
        service=service,
        values=values or {},
        errors=errors,
        error_list=error_list,
        form_errors=[m for f, m in errors.items() if f not in order],
        answer_labels=forms.ANSWER_LABELS,
        max_comment=forms.MAX_COMMENT,
        form_token=forms.sign(str(request.app.state.settings.secret_key), service.slug, token),
        breadcrumbs=[
            {"text": "Get support", "href": "/services/"},
            {"text": service.name, "href": service.url},
        ],
        nav="services",
    )


async def form_page(request: Request) -> Response:
    service = _service(request)
    if service is None:
        return _not_found(request)
    return _render(request, service, forms.new_token())


async def _read(
    request: Request, service: Service
) -> tuple[dict[str, list[str]], forms.FormToken | None, bool]:
    """(every field's values, the form's token or None, whether a token was sent at all)."""
    form = await request.form()
    fields = {key: [str(v) for v in form.getlist(key)] for key in form}
    signed = (fields.get("form_token") or [""])[0]
    token = (
        forms.read(str(request.app.state.settings.secret_key), service.slug, signed)
        if signed
        else None
    )
    return fields, token, bool(signed)


async def form_expired(request: Request) -> Response:
    """The CSRF check refused this POST: nothing is saved; the form comes back as typed."""
    service = _service(request)
    if service is None:
        return _not_found(request)
    fields, token, _sent = await _read(request, service)
    _sub, _errors, values = forms.parse(fields, service.outcome_statements)
    errors = {"feedback-form": EXPIRED_MESSAGE}
    return _render(request, service, token or forms.new_token(), values, errors, 403)


def _thanks(service: Service) -> Response:
    return RedirectResponse(f"/feedback/{service.slug}/thank-you", status_code=303)


@rerender_on_csrf_failure(form_expired)
async def form_submit(request: Request) -> Response:
    service = _service(request)
    if service is None:
        return _not_found(request)
    fields, token, sent = await _read(request, service)
    if any(v.strip() for v in fields.get(forms.HONEYPOT, ())) or (token and token.too_fast()):
        return _thanks(service)  # a robot: it looks like success, and nothing is kept
    submission, errors, values = forms.parse(fields, service.outcome_statements)
    if sent and token is None:
        errors.setdefault("feedback-form", TAMPERED)
    # No token at all is a client posting the fields directly (CONTRACT): a fresh key, so it is
    # recorded once.
    token = token or forms.new_token()
    if errors or submission is None:
        return _render(request, service, token, values, errors, 400)
    engine = request.app.state.engine
    if not await run_in_threadpool(store.key_used, engine, token.key_hash):
        client = request.client.host if request.client else "unknown"
        if not request.app.state.limiter.hit(FEEDBACK_RATE_ADDRESS, "feedback-ip", client):
            return _render(request, service, token, values, {"feedback-form": BUSY}, 429)
    await run_in_threadpool(
        store.record,
        engine,
        service.slug,
        london_date(utcnow()),
        submission.answers,
        submission.comment,
        token.key_hash,
    )
    # Committed (or recorded already by the first of a double submit): only now the thanks.
    return _thanks(service)


async def thank_you(request: Request) -> Response:
    service = _service(request)
    if service is None:
        return _not_found(request)
    return render_page(
        request,
        "feedback/thank_you.html",
        title="Thank you for your feedback",
        service=service,
        nav="services",
    )


routes = [
    Route("/feedback/{slug}", form_page, methods=["GET"]),
    Route("/feedback/{slug}", form_submit, methods=["POST"]),
    Route("/feedback/{slug}/thank-you", thank_you, methods=["GET"]),
]
