"""The load generator: asyncio + httpx clients, each with its own connection and cookies (so
each keeps its own session and CSRF cookie, as a person's browser does), run in a few processes
so one Python event loop is not what limits the figures.

Each client picks a kind of request at random by weight until the deadline and records every
answer as (kind, status, seconds). A referral or booking is a real person's sequence: GET the
form (its CSRF token, and the referral's signed form key), POST it; the acknowledgement (a 303)
is recorded with what identifies the record (the reference from the confirmation page, the
booking's email) so the run can check afterwards that each is stored exactly once.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any

import httpx

# What each kind is, and its share of the mixed traffic (weights, not percentages).
MIX: dict[str, float] = {
    "static": 40,
    "find_a_pa": 14,
    "api_pas": 24,
    "api_pas_q": 10,
    "referral_post": 6,
    "booking_post": 6,
}
# Answers that are not errors, per kind; 429 is counted apart as "limited" (see loadtest.py).
EXPECTED: dict[str, set[int]] = {
    "static": {200},
    "find_a_pa": {200},
    "api_pas": {200},
    "api_pas_q": {200},
    "referral_form": {200},
    "referral_post": {303, 429},
    "referral_confirmation": {200},
    "booking_form": {200},
    "booking_post": {303, 429},
}
KINDS = list(EXPECTED)
WORDS = ["gardening", "cooking", "dementia", "hoists", "teaching assistant", "music", "swimming"]
TOKEN = re.compile(r'name="csrftoken" value="([^"]+)"')
FORM_KEY = re.compile(r'name="form_key" value="([^"]+)"')
REFERENCE = re.compile(r'<strong id="reference">([A-Z0-9-]+)</strong>')
# The CONTRACT's common fields alone make a valid self-referral to these services.
REFERRAL = {
    "referrer_type": "self",
    "first_name": "Zoë",
    "last_name": "Load-Test",
    "date_of_birth": "1980-05-17",
    "phone": "07700 900123",
    "postcode": "DE1 2AB",
    "preferred_contact": "email",
    "reason": "I would like to talk to someone who understands.",
    "consent": "yes",
}
REFERRAL_SERVICES = ["peer-support-recovery", "carers", "direct-payment-support"]
# Share of accepted referrals sent a second time (a double click, a resend after a timeout):
# it must lead to the same reference, never a second record.
RESEND_SHARE = 0.2


@dataclass
class Plan:
    base_url: str
    seconds: float
    clients: int
    run_id: str
    static_paths: list[str]
    filters: list[list[tuple[str, str]]]
    booking_key: str
    mix: dict[str, float] = field(default_factory=lambda: dict(MIX))


@dataclass
class Outcome:
    """One process's share: every sample, and what each acknowledgement identifies."""

    samples: list[tuple[str, int, float]] = field(default_factory=list)
    # The email typed into each referral acknowledged (303), unique per referral: what the
    # check afterwards finds it by, even when its confirmation page did not answer.
    referral_emails: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)  # from each confirmation page
    # (first reference, the resend's reference) for every referral sent twice.
    resends: list[tuple[str, str]] = field(default_factory=list)
    booking_emails: list[str] = field(default_factory=list)  # one per 303 to a booking POST
    # time.monotonic() (one clock for every process on Linux) when the clients started, ended.
    started: float = float("inf")
    ended: float = float("-inf")

    def merge(self, other: Outcome) -> None:
        self.samples += other.samples
        self.references += other.references
        self.referral_emails += other.referral_emails
        self.resends += other.resends
        self.booking_emails += other.booking_emails
        self.started = min(self.started, other.started)
        self.ended = max(self.ended, other.ended)


class _Client:
    def __init__(self, plan: Plan, number: int, http: httpx.AsyncClient, out: Outcome) -> None:
        self.plan, self.number, self.http, self.out = plan, number, http, out
        self.rng = random.Random(f"{plan.run_id}/{number}")
        self.sent = 0

    async def timed(self, kind: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = await self.http.request(method, url, **kwargs)
        except httpx.HTTPError:
            # Status 0: no answer at all (refused, reset, timed out), an error like a 5xx.
            self.out.samples.append((kind, 0, time.perf_counter() - started))
            raise
        self.out.samples.append((kind, response.status_code, time.perf_counter() - started))
        return response

    def address(self) -> str:
        self.sent += 1
        return f"load-{self.plan.run_id}-{self.number}-{self.sent}@example.org"

    async def one(self, kind: str) -> None:
        plan, rng = self.plan, self.rng
        if kind == "static":
            await self.timed(kind, "GET", rng.choice(plan.static_paths))
        elif kind in ("find_a_pa", "api_pas"):
            path = "/find-a-pa" if kind == "find_a_pa" else "/api/pas"
            await self.timed(kind, "GET", path, params=rng.choice(plan.filters))
        elif kind == "api_pas_q":
            params = [("q", rng.choice(WORDS))]
            if rng.random() < 0.5:  # half with the filters people add to words
                params += rng.choice(plan.filters)[:2]
            await self.timed(kind, "GET", "/api/pas", params=params)
        elif kind == "referral_post":
            await self.referral()
        elif kind == "booking_post":
            await self.booking()

    async def referral(self) -> None:
        path = f"/refer/{self.rng.choice(REFERRAL_SERVICES)}"
        page = await self.timed("referral_form", "GET", path)
        token, key = TOKEN.search(page.text), FORM_KEY.search(page.text)
        if page.status_code != 200 or not token or not key:
            return
        data = {**REFERRAL, "email": self.address(), "csrftoken": token[1], "form_key": key[1]}
        location = await self._send_referral(path, data)
        if location is None:
            return
        self.out.referral_emails.append(data["email"])
        first = await self._confirmation(location)
        if self.rng.random() < RESEND_SHARE:
            again = await self._send_referral(path, data)
            if again is not None:
                self.out.resends.append((first, await self._confirmation(again)))

    async def _send_referral(self, path: str, data: dict[str, str]) -> str | None:
        """Where the 303 leads (the confirmation), or None when it was not acknowledged."""
        answer = await self.timed("referral_post", "POST", path, data=data)
        return answer.headers["location"] if answer.status_code == 303 else None

    async def _confirmation(self, location: str) -> str:
        """The reference the confirmation page names ("" when it names none, so the check
        afterwards fails rather than skipping it)."""
        done = await self.timed("referral_confirmation", "GET", location)
        found = REFERENCE.search(done.text)
        reference = found[1] if found else ""
        self.out.references.append(reference)
        return reference

    async def booking(self) -> None:
        path = f"/events/{self.plan.booking_key}/book"
        page = await self.timed("booking_form", "GET", path)
        token = TOKEN.search(page.text)
        if page.status_code != 200 or not token:
            return
        email = self.address()
        data = {"csrftoken": token[1], "name": "Load Test", "email": email}
        answer = await self.timed("booking_post", "POST", path, data=data)
        if answer.status_code == 303:
            self.out.booking_emails.append(email)

    async def run(self, deadline: float) -> None:
        kinds, weights = list(self.plan.mix), list(self.plan.mix.values())
        # One of each kind first (in a random order), so even a short run has every kind; then
        # by weight.
        first_round = self.rng.sample(kinds, len(kinds))
        while time.monotonic() < deadline:
            kind = first_round.pop() if first_round else self.rng.choices(kinds, weights)[0]
            try:
                await self.one(kind)
            except httpx.HTTPError:
                await asyncio.sleep(0.05)  # recorded; do not spin on a dead server


async def _clients(plan: Plan, first: int, count: int) -> Outcome:
    out = Outcome()
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    https = [
        httpx.AsyncClient(base_url=plan.base_url, timeout=30, limits=limits) for _ in range(count)
    ]
    try:
        clients = [_Client(plan, first + i, h, out) for i, h in enumerate(https)]
        out.started = time.monotonic()
        deadline = out.started + plan.seconds
        await asyncio.gather(*(c.run(deadline) for c in clients))
        out.ended = time.monotonic()
    finally:
        for h in https:
            await h.aclose()
    return out


def _process(plan: Plan, first: int, count: int) -> Outcome:
    return asyncio.run(_clients(plan, first, count))


def generate(plan: Plan, processes: int) -> Outcome:
    """Run ``plan.clients`` clients for ``plan.seconds``, spread over ``processes`` processes
    (spawned, not forked: the parent may hold threads and database connections)."""
    processes = max(1, min(processes, plan.clients))
    shares = [plan.clients // processes + (i < plan.clients % processes) for i in range(processes)]
    firsts = [sum(shares[:i]) for i in range(processes)]
    total = Outcome()
    with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
        for part in pool.map(_process, [plan] * processes, firsts, shares):
            total.merge(part)
    return total
