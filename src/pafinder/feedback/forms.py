"""The feedback form's answers and its signed form token.

The token, in a hidden field, holds the service, a random key and when the form was first shown.
The key makes a double submit record once; the time is the spam check the PA register uses (a
form sent within MIN_FILL_SECONDS of being shown was sent by a robot). It is signed, not stored,
so an anonymous visitor needs no session or cookie of ours beyond the CSRF one.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from pafinder.content import OutcomeStatement
from pafinder.feedback.store import ANSWERS

# The PA register's bot checks, so the two public forms stay in step.
from pafinder.register.journey_routes import HONEYPOT as HONEYPOT
from pafinder.register.journey_routes import MIN_FILL_SECONDS

MAX_COMMENT = 2000
ANSWER_LABELS = {
    "agree": "Agree",
    "neither": "Neither agree nor disagree",
    "disagree": "Disagree",
}
NOTHING_ANSWERED = "Answer at least one question or write a comment"
BAD_ANSWER = "Select agree, neither agree nor disagree, or disagree"
ONE_ANSWER = "Select only one answer"
LONG_COMMENT = f"Your comment must be {MAX_COMMENT:,} characters or fewer"
# Control characters cannot be shown in a page (and no keyboard types them): dropped. Tabs and
# new lines stay.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class FormToken:
    key: str
    started: float

    @property
    def key_hash(self) -> str:
        return hashlib.sha256(self.key.encode("ascii")).hexdigest()

    def too_fast(self, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) - self.started < MIN_FILL_SECONDS


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="pafinder-feedback-form")


def new_token() -> FormToken:
    return FormToken(key=secrets.token_urlsafe(18), started=time.time())


def sign(secret: str, slug: str, token: FormToken) -> str:
    return _serializer(secret).dumps([slug, token.key, token.started])


def read(secret: str, slug: str, signed: str) -> FormToken | None:
    """The token from the hidden field, or None when it was changed or is another form's."""
    try:
        found = _serializer(secret).loads(signed)
    except BadSignature:
        return None
    if not (
        isinstance(found, list)
        and len(found) == 3
        and found[0] == slug
        and isinstance(found[1], str)
        and isinstance(found[2], int | float)
    ):
        return None
    return FormToken(key=found[1], started=float(found[2]))


@dataclass(frozen=True)
class Submission:
    answers: dict[str, str]  # statement id -> one of ANSWERS; unanswered ones left out
    comment: str


def field_name(statement: OutcomeStatement) -> str:
    return f"statement-{statement.id}"


def parse(
    fields: Mapping[str, Sequence[str]], statements: Sequence[OutcomeStatement]
) -> tuple[Submission | None, dict[str, str], dict[str, str]]:
    """(submission or None, errors by field name, values to re-show by field name).

    ``fields`` maps each name to every value sent for it. Fields for statements the service
    does not have are ignored, like any other stray field.
    """
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    answers: dict[str, str] = {}
    for statement in statements:
        name = field_name(statement)
        sent = {v.strip() for v in fields.get(name, ())} - {""}
        if len(sent) > 1:
            errors[name] = ONE_ANSWER
        elif sent:
            answer = sent.pop()
            if answer in ANSWERS:
                answers[statement.id] = values[name] = answer
            else:
                errors[name] = BAD_ANSWER
    comments = [CONTROL.sub("", v).replace("\r\n", "\n").strip() for v in fields.get("comment", ())]
    comment = "\n\n".join(c for c in comments if c)
    values["comment"] = comment[: MAX_COMMENT * 3]  # re-shown to be cut down, within reason
    if len(comment) > MAX_COMMENT:
        errors["comment"] = LONG_COMMENT
    if not errors and not answers and not comment:
        first = field_name(statements[0]) if statements else "comment"
        errors[first] = NOTHING_ANSWERED
    if errors:
        return None, errors, values
    return Submission(answers=answers, comment=comment), {}, values
