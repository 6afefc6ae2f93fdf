"""Proof that a request is answered while another one's search runs, without sleeps or timing
asserts: the search is held on a threading.Event until the other answer has come back."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from httpx import Response

from tests.conftest import PageClient

WAIT = 20.0  # seconds; only ever reached when the code under test blocks the event loop


def hold(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> tuple[threading.Event, ...]:
    """Wrap the real `owner.name` so each call waits until released. Returns (entered, release,
    released_in_time): the last is set only when the call was released, not when it timed out."""
    entered, release, in_time = threading.Event(), threading.Event(), threading.Event()
    real: Callable[..., Any] = getattr(owner, name)

    def held(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        if release.wait(timeout=WAIT):
            in_time.set()
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, held)
    return entered, release, in_time


def answered_while_held(
    client: PageClient, slow: str, fast: str, held: tuple[threading.Event, ...]
) -> tuple[Response, Response]:
    """Start `slow` (held inside its search), request `fast` meanwhile, then release `slow`.
    Were the search on the event loop, `fast` could only be answered after the hold timed out."""
    entered, release, in_time = held
    answers: list[Response] = []
    worker = threading.Thread(target=lambda: answers.append(client.get(slow)))
    worker.start()
    assert entered.wait(timeout=WAIT)
    quick = client.get(fast)
    release.set()
    worker.join(timeout=WAIT)
    assert in_time.is_set(), f"{fast} was not answered while {slow} was searching"
    return answers[0], quick
