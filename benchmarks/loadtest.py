"""`make loadtest` (issue 12, point 6): mixed traffic against a real `pafinder serve --workers 2`
on 127.0.0.1, then the same static pages through the app alone and through nginx, in one run.

    python -m benchmarks.loadtest [--seconds 60] [--static-seconds S] [--listings 100000]
        [--connections 16] [--workers 2] [--processes 2] [--cache DIR] [--docs FILE | --no-docs]
        [--keep] [--workdir DIR]
        [--out FILE.json]

Phases (each for its own seconds; the figures of one never mix with another's):
1. *mixed*: static pages, /find-a-pa and /api/pas with filters, /api/pas with words, referral
   and booking POSTs (each after a GET of its form), from every client at once;
2. *app static*: only the static pages, through the app;
3. *nginx static*: the same pages through Debian's nginx with `pafinder nginx-config`.

Every client is 127.0.0.1, so the portal's per-address limits on referrals and bookings answer
429 after the first few dozen: those are counted as "limited", not errors, and the run checks
the limit held (no more accepted than the limit allows over the phase's length). Afterwards
every acknowledged POST must be in the database exactly once. The run fails (exit 1) on any 5xx,
any request without an answer, any other unexpected status, a limit exceeded, or an
acknowledgement not stored once; it never fails on a timing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy.exc import DBAPIError

from benchmarks import loadtest_servers as servers
from benchmarks.loadtest_client import EXPECTED, KINDS, MIX, Outcome, Plan, generate
from benchmarks.loadtest_data import DEFAULT_CACHE, Portal, cached_listings, working_portal
from benchmarks.portal import ROOT, percentile, queries
from pafinder.db import make_engine
from pafinder.events import bookings
from pafinder.events.recurrence import parse_occurrence_id
from pafinder.referrals import store as referrals
from pafinder.referrals.form_routes import REFERRAL_RATE_ADDRESS

DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- loadtest:start -->", "<!-- loadtest:end -->"
STATIC_PATHS = [
    "/",
    "/services/",
    "/carers/",
    "/employing-a-pa/contracts/",
    "/about/contact-us/",
    "/direct-payments/what-are-direct-payments/",
]
# The limits the routes apply per address (grep limiter.hit): referral_post and booking_post.
BOOKING_RATE = "60/hour"  # pafinder.events.public_routes.book
LIMITS = {"referral_post": REFERRAL_RATE_ADDRESS, "booking_post": BOOKING_RATE}


def allowed(rule: str, seconds: float) -> int:
    """The most a sliding-window limit of "N/period" can accept in ``seconds``: N in a window,
    plus what the previous window's share lets through as it slides away (a run may straddle a
    window's start)."""
    amount, _, period = rule.partition("/")
    length = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}[period.strip()]
    return math.ceil(int(amount) * (1 + seconds / length))


def summarise(outcome: Outcome, seconds: float) -> dict[str, dict[str, Any]]:
    """Per kind: requests, requests/s, p50/p95/p99 ms, limited (429), errors by status."""
    by_kind: dict[str, list[tuple[int, float]]] = {}
    for kind, status, took in outcome.samples:
        by_kind.setdefault(kind, []).append((status, took))
    out: dict[str, dict[str, Any]] = {}
    for kind in sorted(by_kind, key=KINDS.index):
        rows = by_kind[kind]
        times = [took for _, took in rows]
        statuses = Counter(status for status, _ in rows)
        errors = {
            str(s): n for s, n in sorted(statuses.items()) if s not in EXPECTED[kind] and s != 429
        }
        out[kind] = {
            "requests": len(rows),
            "rps": len(rows) / seconds,
            "p50_ms": 1000 * percentile(times, 50),
            "p95_ms": 1000 * percentile(times, 95),
            "p99_ms": 1000 * percentile(times, 99),
            "accepted": statuses.get(303, 0) if kind in LIMITS else None,
            "limited": statuses.get(429, 0),
            "errors": errors,
        }
    return out


def phase(plan: Plan, processes: int) -> dict[str, Any]:
    outcome = generate(plan, processes)
    seconds = max(outcome.ended - outcome.started, 1e-9)
    kinds = summarise(outcome, seconds)
    times = [took for _, _, took in outcome.samples] or [0.0]
    return {
        "seconds": seconds,
        "requests": len(outcome.samples),
        "rps": len(outcome.samples) / seconds,
        # Over every request of the phase, whatever its kind (issue 16 sets a p95 for the mix).
        "p50_ms": 1000 * percentile(times, 50),
        "p95_ms": 1000 * percentile(times, 95),
        "p99_ms": 1000 * percentile(times, 99),
        "kinds": kinds,
        "outcome": outcome,
    }


def stored_once(portal: Portal, outcome: Outcome) -> dict[str, Any]:
    """Every acknowledged referral and booking is in the database once, and nothing else is:
    found by the email typed into it (unique per referral and per booking); every reference a
    confirmation page named exists; a referral sent twice led to the same reference."""
    engine = make_engine(portal.settings.database_url)
    refs = set(outcome.references)
    try:
        with engine.connect() as conn:
            # SQLite's own check of every page: a run must never leave the file damaged.
            integrity = str(conn.exec_driver_sql("PRAGMA quick_check").scalar())
        # The data set holds no referrals before the run: every one is this run's.
        referral_rows = Counter(r.email for r in referrals.list_referrals(engine))
        unknown_refs = sorted(r for r in refs if not r or referrals.get(engine, r) is None)
        parsed = parse_occurrence_id(portal.booking_key)
        assert parsed is not None
        booking_rows = Counter(
            b.email for b in bookings.occurrence_bookings(engine, portal.event_id, parsed[1])
        )
    except DBAPIError as error:
        # A database the run left unreadable (it has happened: "database disk image is
        # malformed") is the worst failure of all: report it, with the figures, not a traceback.
        return {"ok": False, "integrity": "unreadable", "database_error": str(error.orig)}
    finally:
        engine.dispose()
    acked_referrals = Counter(outcome.referral_emails)
    acked_bookings = Counter(outcome.booking_emails)
    referrals_not_once = sorted(
        e for e in acked_referrals if referral_rows[e] != 1 or acked_referrals[e] != 1
    )
    bookings_not_once = sorted(
        e for e in acked_bookings if booking_rows[e] != 1 or acked_bookings[e] != 1
    )
    resends_new_record = sum(1 for a, b in outcome.resends if a != b)
    return {
        "referrals_acknowledged": len(acked_referrals),
        "referrals_stored": sum(referral_rows.values()),
        "referrals_not_once": len(referrals_not_once),
        "references_unknown": len(unknown_refs),
        "resends": len(outcome.resends),
        "resends_new_record": resends_new_record,
        "bookings_acknowledged": len(acked_bookings),
        "bookings_stored": sum(booking_rows.values()),
        "bookings_not_once": len(bookings_not_once),
        "integrity": integrity,
        "ok": integrity == "ok"
        and not referrals_not_once
        and not bookings_not_once
        and not unknown_refs
        and not resends_new_record
        and sum(referral_rows.values()) == len(acked_referrals)
        and sum(booking_rows.values()) == len(acked_bookings),
    }


def limits_held(kinds: dict[str, dict[str, Any]], seconds: float) -> dict[str, dict[str, Any]]:
    out = {}
    for kind, rule in LIMITS.items():
        accepted = (kinds.get(kind) or {}).get("accepted") or 0
        out[kind] = {"rule": rule, "allows": allowed(rule, seconds), "accepted": accepted}
    return out


def run(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    dataset = cached_listings(args.listings, args.cache, console)
    base = Path(tempfile.mkdtemp(prefix="pafinder-loadtest-", dir=args.workdir))
    try:
        portal = working_portal(dataset, base)
        filters = queries()
        run_id = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        with servers.app(portal, args.workers) as app_url:
            servers.warm(app_url, filters, args.workers)
            console.print(f"Mixed traffic for {args.seconds:g} s, {args.connections} connections")
            plan = Plan(app_url, args.seconds, args.connections, run_id, STATIC_PATHS, filters,
                        portal.booking_key)  # fmt: skip
            mixed = phase(plan, args.processes)
            console.print(f"Static pages through the app for {args.static_seconds:g} s")
            static_plan = Plan(app_url, args.static_seconds, args.connections, run_id + "s",
                               STATIC_PATHS, filters, portal.booking_key,
                               {"static": 1})  # fmt: skip
            app_static = phase(static_plan, args.processes)
            port = int(app_url.rsplit(":", 1)[1])
            with servers.nginx(portal, port, base / "nginx") as front:
                console.print(f"The same pages through nginx for {args.static_seconds:g} s")
                static_plan.base_url, static_plan.run_id = front, run_id + "n"
                nginx_static = phase(static_plan, args.processes)
        stored = stored_once(portal, mixed["outcome"])
        # The new records, not every 303: a resend of a recorded referral is answered 303 without
        # counting against the limit, so the new records are what the limit limits.
        if "referral_post" in mixed["kinds"]:
            mixed["kinds"]["referral_post"]["accepted"] = stored["referrals_stored"]
        result = report(args, mixed, app_static, nginx_static, stored)
        args.keep = args.keep or not result["passed"]
        return result
    except BaseException:
        args.keep = True
        raise
    finally:
        if args.keep:
            # A failed run keeps it too: serve.log holds the traceback of any 500.
            console.print(f"Kept the run's folder (serve.log, nginx/, var/): {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


def report(
    args: argparse.Namespace,
    mixed: dict[str, Any],
    app_static: dict[str, Any],
    nginx_static: dict[str, Any],
    stored: dict[str, Any],
) -> dict[str, Any]:
    phases = {"mixed": mixed, "app_static": app_static, "nginx_static": nginx_static}
    limits = limits_held(mixed["kinds"], mixed["seconds"])
    errors = {
        f"{name}/{kind}": figures["errors"]
        for name, ph in phases.items()
        for kind, figures in ph["kinds"].items()
        if figures["errors"]
    }
    fivexx = sum(
        n for by_status in errors.values() for s, n in by_status.items() if s.startswith("5")
    )
    missing_kinds = [k for k in MIX if k not in mixed["kinds"]]
    app_rps = app_static["kinds"].get("static", {}).get("rps", 0.0)
    nginx_rps = nginx_static["kinds"].get("static", {}).get("rps", 0.0)
    result: dict[str, Any] = {
        "benchmark": "loadtest",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.system()} {platform.release()} {platform.machine()}",
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "listings": args.listings,
        "connections": args.connections,
        "workers": args.workers,
        "processes": args.processes,
        "phases": {
            name: {k: v for k, v in ph.items() if k != "outcome"} for name, ph in phases.items()
        },
        "static_ratio": app_rps / nginx_rps if nginx_rps else None,
        "limits": limits,
        "stored": stored,
        "errors": errors,
        "fivexx": fivexx,
        "missing_kinds": missing_kinds,
    }
    result["passed"] = (
        not errors
        and not missing_kinds
        and stored["ok"]
        and all(v["accepted"] <= v["allows"] for v in limits.values())
    )
    return result


def table(result: dict[str, Any]) -> str:
    lines = [
        "| phase | kind | requests | requests/s | p50 ms | p95 ms | p99 ms | limited (429) "
        "| errors |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, ph in result["phases"].items():
        for kind, f in ph["kinds"].items():
            errors = ", ".join(f"{n} x {s or 'no answer'}" for s, n in f["errors"].items()) or "0"
            lines.append(
                f"| {name} | {kind} | {f['requests']:,} | {f['rps']:,.1f} | {f['p50_ms']:.1f} | "
                f"{f['p95_ms']:.1f} | {f['p99_ms']:.1f} | {f['limited']:,} | {errors} |"
            )
        lines.append(
            f"| {name} | **all** | {ph['requests']:,} | {ph['rps']:,.1f} | {ph['p50_ms']:.1f} | "
            f"{ph['p95_ms']:.1f} | {ph['p99_ms']:.1f} | | ({ph['seconds']:.1f} s) |"
        )
    return "\n".join(lines)


def summary(result: dict[str, Any]) -> str:
    stored, limits = result["stored"], result["limits"]
    ratio = result["static_ratio"]
    load = ", ".join(f"{x:.2f}" for x in result["load_average"])
    lines = [
        "Result: " + ("**passed**" if result["passed"] else "**FAILED**")
        + f" (run took {result.get('run_s', 0):.0f} s).",
        f"Machine: {result['machine']}, {result['cores']} cores, Python {result['python']}; "
        f"load average after the run (1, 5, 15 min): {load}.",
        f"Data: {result['listings']:,} published listings; {result['connections']} connections "
        f"in {result['processes']} client processes; `pafinder serve --workers "
        f"{result['workers']}`.",
        "",
        f"- Static pages: the app {_rps(result, 'app_static')} requests/s, nginx "
        f"{_rps(result, 'nginx_static')} requests/s: the app does "
        + (f"**{ratio:.3f}** of nginx (1 to {1 / ratio:,.0f})." if ratio else "no answer."),
        f"- 5xx: {result['fivexx']}; other errors: "
        + (json.dumps(result["errors"]) if result["errors"] else "none") + ".",
    ]  # fmt: skip
    for kind, v in limits.items():
        lines.append(
            f"- {kind}: {v['accepted']} accepted against a limit of {v['rule']} per address "
            f"(at most {v['allows']} in the phase): "
            + ("held." if v["accepted"] <= v["allows"] else "**exceeded**.")
        )
    lines.append(f"- SQLite's quick_check afterwards: {stored.get('integrity', 'not run')}.")
    if "database_error" in stored:
        lines.append(f"- Stored exactly once: **the database could not be read afterwards**: "
                     f"{stored['database_error']}.")  # fmt: skip
        return "\n".join(lines)
    lines.append(
        f"- Stored exactly once: {stored['referrals_stored']} referrals for "
        f"{stored['referrals_acknowledged']} acknowledged ({stored['resends']} sent twice, "
        f"{stored['resends_new_record']} of them to a second reference; "
        f"{stored['references_unknown']} references named but not stored); "
        f"{stored['bookings_stored']} bookings for {stored['bookings_acknowledged']} "
        f"acknowledged: " + ("yes." if stored["ok"] else "**no**.")
    )
    return "\n".join(lines)


def _rps(result: dict[str, Any], phase_name: str) -> str:
    static = result["phases"][phase_name]["kinds"].get("static")
    return f"{static['rps']:,.0f}" if static else "0"


def write_docs(path: Path, result: dict[str, Any], command: str) -> None:
    """Replace the figures between the markers of the "Load test" section, nothing else (the
    file is read right before it is written: others edit the rest of it)."""
    text = path.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"{path} has no {START} ... {END} markers to write between")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    figures = (
        f"{START}\n<!-- written by `{command}`; do not edit between the markers -->\n\n"
        f"Run: {result['date']}.\n{summary(result)}\n\n{table(result)}\n{END}"
    )
    path.write_text(head + figures + tail)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.loadtest", description=__doc__)
    p.add_argument("--seconds", type=float, default=60.0, help="the mixed phase (default 60)")
    p.add_argument("--static-seconds", type=float, help="each static phase (default: --seconds)")
    p.add_argument("--listings", type=int, default=100_000)
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--processes", type=int, default=2, help="load generator processes")
    p.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="the seeded data sets")
    p.add_argument("--docs", type=Path, default=DOCS, help="where the figures are written")
    p.add_argument("--no-docs", action="store_true", help="do not write the figures")
    p.add_argument("--out", type=Path, help="also write the figures as JSON here")
    p.add_argument("--keep", action="store_true", help="keep the run's folder (logs, database)")
    p.add_argument("--workdir", type=Path, help="where the run's folder is made (default: /tmp)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.static_seconds is None:
        args.static_seconds = args.seconds
    console = Console(stderr=True)
    started = time.monotonic()
    result = run(args, console)
    result["run_s"] = time.monotonic() - started
    print(table(result))
    print()
    print(summary(result))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2))
    if not args.no_docs:
        given = sys.argv[1:] if argv is None else argv
        write_docs(args.docs, result, " ".join(["python -m benchmarks.loadtest", *given]))
    print("PASSED" if result["passed"] else "FAILED", file=sys.stderr)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
