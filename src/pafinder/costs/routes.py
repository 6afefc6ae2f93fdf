"""GET /employing-a-pa/cost-calculator: the form, and with answers the yearly cost below it.

A GET form: it changes nothing, so it needs no CSRF token, works without JavaScript and can be
bookmarked or shared. The path sits beside the pre-rendered pages of content/pages/employing-a-pa/
(served from site/ as /employing-a-pa/SLUG/): routes are matched before site/, and no content page
may take the slug (tests/costs/test_routes.py checks the build).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from pafinder.build import home_crumb
from pafinder.costs import calculator, form
from pafinder.costs.calculator import Rates
from pafinder.rates import RateTableError
from pafinder.web.render import render_page

PATH = "/employing-a-pa/cost-calculator"
SECTION = "employing-a-pa"
TITLE = "Work out the cost of employing a PA"
LONDON = ZoneInfo("Europe/London")


def today() -> date:
    """The day in England: the rates of that day apply (a test may set it)."""
    return datetime.now(LONDON).date()


def _rates(request: Request) -> Rates | None:
    try:
        return calculator.rates_on(request.app.state.settings.content_dir, today())
    except (OSError, RateTableError):
        return None  # a deployment without its rate tables: say so, never a 500


def _crumbs(request: Request) -> list[dict[str, str]]:
    sections = request.app.state.content.site.sections
    title = next((s.title for s in sections if s.slug == SECTION), "Employing a PA")
    return [home_crumb(), {"text": title, "href": f"/{SECTION}/"}]


async def cost_calculator(request: Request) -> Response:
    rates = _rates(request)
    if rates is None:
        return render_page(
            request,
            "costs/unavailable.html",
            status_code=503,
            title="The cost calculator is not available",
            breadcrumbs=_crumbs(request),
            nav=SECTION,
        )
    query = request.query_params
    asked = any(name in query for name in form.FIELDS)
    inputs, errors = (
        form.read(query, rates.most_weeks, rates.holiday_weeks) if asked else (None, {})
    )
    result = calculator.cost(inputs, rates) if inputs is not None else None
    return render_page(
        request,
        "costs/calculator.html",
        status_code=400 if errors else 200,
        private=False,  # the same answers give the same page to anyone: nothing personal
        title=TITLE,
        answers=form.typed(query),
        errors=errors,
        error_list=[{"text": message, "href": f"#{name}"} for name, message in errors.items()],
        rates=rates,
        result=result,
        money=calculator.money,
        pounds=calculator.pounds,
        Pension=calculator.Pension,
        breadcrumbs=_crumbs(request),
        nav=SECTION,
    )


async def with_slash(request: Request) -> Response:
    """The content pages end in a slash: a reader may add one here too."""
    query = request.url.query
    return RedirectResponse(PATH + (f"?{query}" if query else ""), status_code=308)


routes: list[BaseRoute] = [
    Route(PATH, cost_calculator, methods=["GET"]),
    Route(PATH + "/", with_slash, methods=["GET"]),
]
