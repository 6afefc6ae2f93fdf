"""What the register adds to a listing's staff record page (register/moderation_routes.py
renders it): the state in plain words, the take-down form, notes and the history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from pafinder.register import journey_forms
from pafinder.register.admin import labels, store

# The fields of these forms, in page order, for the error summary.
FIELDS = ("take_down_reason", "note")
DONE = {
    "taken-down": "Listing taken down. The PA has been emailed the reason.",
    "note": "Note added.",
    "other-approved": "Typed answer approved: it now shows on the profile.",
    "other-rejected": "Typed answer rejected: it does not show on the profile.",
}
# "" is a listing made with no audit row of its own (an import): who is not known.
ACTORS = {"pa": "the PA", "system": "the daily job", "cli": "the command line", "": ""}


def _who(actor: str, emails: dict[str, str]) -> str:
    if actor.startswith("staff:"):
        return emails.get(actor, "A former staff member")
    return ACTORS.get(actor, "the system")


def context(engine: Engine, listing: dict[str, Any], done: str | None) -> dict[str, Any]:
    entries = store.history(engine, listing)
    emails = store.staff_emails(engine, {e.actor for e in entries})
    dbs_labels = journey_forms.DBS_LABELS
    return {
        "state_label": labels.STATE_LABELS.get(labels.state_of(listing), listing["status"]),
        "notes": store.notes(engine, int(listing["id"])),
        "history": [
            {
                "at": e.at,
                "label": "Listing created"
                if e.action == "pa.created"
                else labels.action_label(e.action),
                "who": _who(e.actor, emails),
                "text": labels.detail_text(e.action, e.detail, dbs_labels),
            }
            for e in entries
        ],
        "history_limited": len(entries) >= store.HISTORY_LIMIT,
        "max_take_down": store.MAX_REASON,
        "max_note": store.MAX_NOTE,
        "admin_done": DONE.get(done or ""),
    }
