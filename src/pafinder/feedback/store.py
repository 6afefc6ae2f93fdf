"""All SQL for feedback. Nothing here can say who gave an answer: a response holds its service,
the UK date it was given (no time of day, so it cannot be matched to a visit or a booking), the
answers and the comment. No address, session, email or reference is stored with it.

A double submit is recognised by the form's key, kept apart in ``feedback_form_keys`` (a hash,
with the day it was used, and no link to the response) and forgotten after KEEP_KEYS_DAYS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    Engine,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    func,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError

from pafinder.db import metadata

ANSWERS = ("agree", "neither", "disagree")
KEEP_KEYS_DAYS = 7

feedback_responses = Table(
    "feedback_responses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("service", String(100), nullable=False, index=True),
    Column("given_on", Date, nullable=False, index=True),  # Europe/London date
    Column("comment", Text, nullable=False, server_default=""),
)

feedback_answers = Table(
    "feedback_answers",
    metadata,
    Column(
        "response_id",
        Integer,
        ForeignKey("feedback_responses.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("statement_id", String(100), primary_key=True),
    Column("answer", String(10), nullable=False),  # one of ANSWERS
)

feedback_form_keys = Table(
    "feedback_form_keys",
    metadata,
    Column("key_hash", String(64), primary_key=True),
    Column("used_on", Date, nullable=False, index=True),
)


def record(
    engine: Engine,
    service: str,
    given_on: date,
    answers: Mapping[str, str],
    comment: str,
    key_hash: str | None,
) -> bool:
    """Store one response; False (and nothing stored) when its form key was used already."""
    try:
        with engine.begin() as conn:
            conn.execute(
                feedback_form_keys.delete().where(
                    feedback_form_keys.c.used_on < given_on - timedelta(days=KEEP_KEYS_DAYS)
                )
            )
            if key_hash is not None:
                conn.execute(insert(feedback_form_keys).values(key_hash=key_hash, used_on=given_on))
            response_id = conn.execute(
                insert(feedback_responses)
                .values(service=service, given_on=given_on, comment=comment)
                .returning(feedback_responses.c.id)
            ).scalar_one()
            if answers:
                conn.execute(
                    insert(feedback_answers),
                    [
                        {"response_id": response_id, "statement_id": sid, "answer": answer}
                        for sid, answer in answers.items()
                    ],
                )
    except IntegrityError:
        # The key's row is the only one another request can have made first: a double submit.
        return False
    return True


def key_used(engine: Engine, key_hash: str) -> bool:
    with engine.connect() as conn:
        found = conn.execute(
            select(feedback_form_keys.c.key_hash).where(feedback_form_keys.c.key_hash == key_hash)
        ).first()
    return found is not None


def _in_period(service: str, start: date, end: date) -> list[Any]:
    return [
        feedback_responses.c.service == service,
        feedback_responses.c.given_on >= start,
        feedback_responses.c.given_on <= end,
    ]


def response_count(engine: Engine, service: str, start: date, end: date) -> int:
    query = (
        select(func.count()).select_from(feedback_responses).where(*_in_period(service, start, end))
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def answer_counts(
    engine: Engine, service: str, start: date, end: date
) -> dict[str, dict[str, int]]:
    """{statement_id: {answer: count}} for responses given from ``start`` to ``end``."""
    query = (
        select(feedback_answers.c.statement_id, feedback_answers.c.answer, func.count())
        .select_from(feedback_answers.join(feedback_responses))
        .where(*_in_period(service, start, end))
        .group_by(feedback_answers.c.statement_id, feedback_answers.c.answer)
    )
    counts: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for statement_id, answer, n in conn.execute(query):
            counts.setdefault(str(statement_id), {})[str(answer)] = int(n)
    return counts


@dataclass(frozen=True)
class Comment:
    given_on: date
    text: str


def _commented(service: str, start: date, end: date) -> list[Any]:
    return [*_in_period(service, start, end), feedback_responses.c.comment != ""]


def comment_count(engine: Engine, service: str, start: date, end: date) -> int:
    query = (
        select(func.count()).select_from(feedback_responses).where(*_commented(service, start, end))
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def comments(
    engine: Engine, service: str, start: date, end: date, offset: int, limit: int
) -> list[Comment]:
    """One page of the comments given from ``start`` to ``end``, newest first."""
    query = (
        select(feedback_responses.c.given_on, feedback_responses.c.comment)
        .where(*_commented(service, start, end))
        .order_by(feedback_responses.c.given_on.desc(), feedback_responses.c.id.desc())
        .offset(offset)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [Comment(given_on=r.given_on, text=r.comment) for r in conn.execute(query)]


def agree_percent(agreed: int, answered: int) -> int:
    """Whole-number percent, halves rounded up (62.5 is 63), in integers so it is exact."""
    return (200 * agreed + answered) // (2 * answered)


def summary(engine: Engine, service_slug: str, start: date, end: date) -> dict[str, Any]:
    """The quarterly return's feedback measures (CONTRACT "Quarterly returns"), both days
    included: ``feedback.responses`` and, for each statement anyone answered,
    ``feedback.{statement_id}.agree_percent`` (of those who answered it). Raw numbers: the
    return applies its own small-number rule."""
    measures: dict[str, Any] = {
        "feedback.responses": response_count(engine, service_slug, start, end)
    }
    for statement_id, counts in sorted(answer_counts(engine, service_slug, start, end).items()):
        answered = sum(counts.values())
        if answered:
            measures[f"feedback.{statement_id}.agree_percent"] = agree_percent(
                counts.get("agree", 0), answered
            )
    return measures
