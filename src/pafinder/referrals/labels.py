"""Plain labels for the values case work stores (CONTRACT.md "Staff back office"): pages show
these, never the stored slugs. The order of each map is the order forms offer the choices."""

from __future__ import annotations

STATUS_LABELS = {
    "received": "Received",
    "contacted": "Contacted",
    "assessed": "Assessed",
    "accepted": "Accepted",
    "waiting": "On the waiting list",
    "active": "Receiving support",
    "refused": "Refused",
    "signposted": "Signposted elsewhere",
    "closed": "Closed",
}
# `received` is the start only: no change may lead back to it.
NEXT_STATUSES = tuple(s for s in STATUS_LABELS if s != "received")

REFUSAL_REASONS = {
    "unmanageable_risk": "The risk cannot be managed safely",
    "declined": "The person declined support",
    "not_eligible": "Not eligible for this service",
    "needs_cannot_be_met": "We cannot meet their needs",
}

DELAY_REASONS = {
    "no_care_available": "No care or support is available yet",
    "language_barrier": "A language barrier",
    "other": "Another reason",
}

PRIORITY_LABELS = {"urgent": "Urgent", "high": "High", "normal": "Normal"}

CHANGE_LABELS = {
    "status": "Status changed",
    "priority": "Priority changed",
    "assign": "Assigned",
    "note": "Note added",
    "check": "Check updated",
}


def reason_label(value: str) -> str:
    """A refusal or delay reason's label (the two sets share no values)."""
    return REFUSAL_REASONS.get(value) or DELAY_REASONS.get(value) or value
