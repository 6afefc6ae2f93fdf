"""Events for the site search (/search): published events with dates to come whose title, kind,
audience or description hold the words searched for.

Events live in the database and change all day, so they are matched here, per request, rather
than in the Whoosh pages index (which is rebuilt only by `pafinder build`). There are tens of
events, not thousands, so a plain word match is quick enough and easy to reason about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from pafinder.events import store
from pafinder.events.models import KINDS
from pafinder.events.recurrence import occurrences
from pafinder.events.views import HORIZON_DAYS, now_utc

_WORD = re.compile(r"\w+")
# Words that say nothing about which event is meant.
STOP_WORDS = frozenset({"the", "and", "for", "with", "you", "your", "our", "are", "can", "how"})


@dataclass(frozen=True)
class EventHit:
    url: str
    title: str
    kind: str
    audience: str
    next_starts: datetime  # Europe/London


def words(query: str) -> list[str]:
    """The query's distinct words of three letters or more, stop words left out."""
    found = dict.fromkeys(_WORD.findall(query.casefold()))
    return [w for w in found if len(w) > 2 and w not in STOP_WORDS]


def search_events(
    engine: Engine, query: str, limit: int = 5, now: datetime | None = None
) -> list[EventHit]:
    """The best ``limit`` matches: most words matched first, then the soonest."""
    wanted = words(query[:200])
    if not wanted:
        return []
    now = now or now_utc()
    scored: list[tuple[int, datetime, EventHit]] = []
    for event in store.all_events(engine, "published"):
        text = " ".join(
            (event.title, KINDS.get(event.kind, ""), event.audience, event.description)
        ).casefold()
        # A word matches the start of a word ('carer' finds 'carers'), not the middle of one.
        score = sum(1 for w in wanted if re.search(rf"\b{re.escape(w)}", text))
        if not score:
            continue
        upcoming = occurrences(event, now, now + timedelta(days=HORIZON_DAYS))
        if not upcoming:
            continue
        hit = EventHit(
            url=f"/events/{event.id}/",
            title=event.title,
            kind=KINDS.get(event.kind, event.kind),
            audience=event.audience,
            next_starts=upcoming[0].starts,
        )
        scored.append((score, upcoming[0].starts, hit))
    scored.sort(key=lambda s: (-s[0], s[1], s[2].title))
    return [hit for _, _, hit in scored[:limit]]
