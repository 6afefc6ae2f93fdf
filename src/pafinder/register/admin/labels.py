"""Plain words for a listing's state and for each entry of its history (never a raw slug)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pafinder.web.templating import format_date

# A listing's state as staff filter by it: the status, with 'published' split by the PA's own
# pause ("not taking new work"), which is a flag beside the status.
STATE_LABELS = {
    "published": "Published",
    "paused": "Published but paused by the PA",
    "pending": "Waiting for a check",
    "unverified": "Email address not confirmed",
    "rejected": "Rejected",
    "taken_down": "Taken down",
    "withdrawn": "Withdrawn by the PA",
}

ACTION_LABELS = {
    "pa.registered": "Registered",
    "pa.email_verified": "Email address confirmed: sent for a check",
    "pa.approved": "Approved and published",
    "pa.rejected": "Rejected",
    "pa.taken_down": "Taken down",
    "pa.edited": "Edited by the PA",
    "pa.paused": "Paused by the PA",
    "pa.unpaused": "Unpaused by the PA",
    "pa.withdrawn": "Withdrawn by the PA",
    "pa.restored": "PA asked for it to be published again",
    "pa.confirmed_available": "PA confirmed they are still available",
    "pa.reminder_sent": "'Still available' reminder emailed",
    "pa.expiry_reminder_sent": "DBS or training renewal reminder emailed",
    "pa.manage_link_sent": "'Manage my listing' link emailed",
    "pa.manage_opened": "PA opened 'manage my listing'",
    "pa.exported": "PA downloaded their data",
    "pa.note_added": "Note added",
    "pa.other_approved": "Typed answer approved: shown on the profile",
    "pa.other_rejected": "Typed answer rejected: not shown on the profile",
}

FIELD_LABELS = {
    "first_name": "first name",
    "last_name": "last name",
    "phone": "phone number",
    "postcode": "postcode",
    "gender": "gender",
    "areas": "areas",
    "languages": "languages",
    "tasks": "what they can help with",
    "client_groups": "people they support",
    "age_groups": "ages",
    "availability": "availability",
    "qualifications": "qualifications and training",
    "hours_wanted": "hours wanted",
    "live_in": "live-in work",
    "nights": "nights",
    "emergency_cover": "emergency cover",
    "dbs": "DBS level",
    "dbs_certificate_date": "DBS certificate date",
    "dbs_update_service": "DBS Update Service",
    "driving": "driving",
    "own_car": "own car",
    "smoker": "smoking",
    "experience_years": "years of experience",
    "experience": "experience",
    "about": "about me",
    "other_language": "other language (typed)",
    "other_qualification": "other qualification (typed)",
}
# Which typed answer a pa.other_* row is about (its detail holds the kind, never the text).
OTHER_KIND_WORDS = {"language": "Other language.", "qualification": "Other qualification."}

STATUS_WORDS = {
    "unverified": "email not confirmed",
    "pending": "waiting for a check",
    "published": "published",
    "rejected": "rejected",
    "taken_down": "taken down",
    "withdrawn": "withdrawn",
}

METHOD_WORDS = {"certificate": "saw the certificate", "update_service": "on the Update Service"}


def state_of(listing: Mapping[str, Any]) -> str:
    if listing["status"] == "published" and listing.get("paused"):
        return "paused"
    return str(listing["status"])


def action_label(action: str) -> str:
    fallback = action.removeprefix("pa.").replace("_", " ").capitalize()
    return ACTION_LABELS.get(action, fallback)


def detail_text(action: str, detail: Mapping[str, Any], dbs_labels: Mapping[str, str]) -> str:
    """One plain sentence from an audit row's detail (which never holds personal data)."""
    if action == "pa.edited":
        fields = [FIELD_LABELS.get(f, f.replace("_", " ")) for f in detail.get("fields", [])]
        text = "Changed: " + ", ".join(fields) + "." if fields else ""
        if detail.get("back_to_staff"):
            text += " Sent back to staff to check: not shown in search until then."
        return text.strip()
    if action == "pa.approved":
        if not detail.get("dbs_checked"):
            return "No DBS certificate declared."
        level = dbs_labels.get(str(detail.get("level")), str(detail.get("level")))
        method = METHOD_WORDS.get(str(detail.get("method")), "")
        checked = format_date(str(detail.get("checked_on") or "")) or "an unrecorded date"
        return f"DBS check recorded: {level}, {method}, checked on {checked}."
    if action in ("pa.other_approved", "pa.other_rejected"):
        return OTHER_KIND_WORDS.get(str(detail.get("kind")), "")
    if action == "pa.withdrawn" and detail.get("from_status"):
        return f"It was {STATUS_WORDS.get(detail['from_status'], detail['from_status'])}."
    return ""
