"""Form helpers: pydantic errors into GOV.UK error messages, and the error summary shape.

Every form re-shows what the person typed plus ``errors`` ({field: message}) and
``error_list`` ([{text, href}]) for govukErrorSummary, in the order the fields appear.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

Errors = dict[str, str]


def errors_from_validation(
    exc: ValidationError, messages: Mapping[str, str] | None = None
) -> Errors:
    """First message per field. Validators raise ValueError with the message people should read;
    pydantic's own wording is replaced by ``messages[field]`` where given."""
    errors: Errors = {}
    for err in exc.errors():
        loc = err.get("loc") or ("__root__",)
        field = str(loc[0])
        if field in errors:
            continue
        if messages and field in messages and err.get("type") != "value_error":
            errors[field] = messages[field]
        elif err.get("type") == "value_error":
            # pydantic prefixes custom ValueError messages with "Value error, ".
            errors[field] = str(err["msg"]).removeprefix("Value error, ")
        else:
            errors[field] = (messages or {}).get(field, "Check this answer")
    return errors


def error_list(errors: Mapping[str, str], order: Iterable[str] = ()) -> list[dict[str, str]]:
    """Error summary items linking to each field, in page order."""
    ordered = [f for f in order if f in errors] + [f for f in errors if f not in set(order)]
    return [{"text": errors[f], "href": f"#{f}"} for f in ordered]


def form_to_dict(form: FormData, multi: Iterable[str] = ()) -> dict[str, Any]:
    """Plain dict of a submitted form: repeated fields (checkboxes) as lists, others stripped."""
    multi = set(multi)
    data: dict[str, Any] = {}
    for key in form:
        if key == "csrftoken":
            continue
        if key in multi:
            data[key] = [str(v) for v in form.getlist(key)]
        else:
            value = form.get(key)
            data[key] = value.strip() if isinstance(value, str) else ""
    for key in multi:
        data.setdefault(key, [])
    return data
