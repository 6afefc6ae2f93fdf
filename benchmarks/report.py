"""The quarterly return at scale (issue 10, point 4): a real SQLite file holding N referrals for
one service over 12 months (sources, postcodes in and out of the service's districts, first
contact on time, late or not yet, refusals and the waiting list as status changes, equality
answers), a year of weekly events with attendance, feedback and complaints; then times

- ``returns.build`` in-process for the last full quarter (best and median of 5), and
- ``pafinder report SLUG --from --to --format json`` end to end in a subprocess (median of 3),

against a baseline measured in the same run: the same build on a tenth of the data (10,000
referrals beside 100,000), and a plain ``SELECT count(*)`` over the referrals table.

    python -m benchmarks.report N BASE_DIR [--baseline N] [--service SLUG] [--profile]

Prints one JSON line on stdout (progress on stderr).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from benchmarks.portal import CONTENT, env_for, settings_for
from pafinder.complaints.store import complaints
from pafinder.content import Service, load_content
from pafinder.db import make_engine, migrate, utcnow
from pafinder.events import store as event_store
from pafinder.events.models import EventInput
from pafinder.events.recurrence import LONDON, occurrences
from pafinder.events.tables import event_bookings
from pafinder.feedback.store import feedback_answers, feedback_responses
from pafinder.periods import quarter
from pafinder.referrals.casework import referral_changes
from pafinder.referrals.labels import DELAY_REASONS, REFUSAL_REASONS
from pafinder.referrals.models import EQUALITY
from pafinder.referrals.store import quarter_of, referral_equality, referrals
from pafinder.reports import returns
from pafinder.workdays import london_date

BATCH = 5_000
GOAL_S = 2.0  # issue 10: `pafinder report` on 100,000 referrals in under 2 seconds
SOURCES = (("self", 50), ("family_or_carer", 20), ("professional", 30))
# Outside Derby: the service flags these as outside its area, and the return counts them.
OUTSIDE = ("S1 2AB", "NG1 1AA", "B1 1AA", "ST4 2DE", "SK17 6AA", "LE11 3AB")
EVENTS = (
    ("Tuesday carers group", "support-group"),
    ("Moving and handling training", "training"),
    ("Caring with confidence course", "course"),
    ("Looking after yourself workshop", "workshop"),
)


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], [w for _, w in choices])[0]


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(engine: Engine, table: Any, rows: Iterator[dict[str, Any]]) -> int:
    """Core executemany, a batch per statement and one transaction for the lot (fast)."""
    count = 0
    with engine.begin() as conn:
        for batch in _batches(rows):
            conn.execute(table.insert(), batch)
            count += len(batch)
    return count


def _derby_postcodes(count: int = 9_000, seed: int = 2) -> list[str]:
    """About as many distinct postcodes as the service's Derby districts hold (some 9,000):
    people in the same street refer themselves too, so postcodes repeat."""
    rng = random.Random(seed)
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    found: set[str] = set()
    while len(found) < count:
        district, sector = rng.randint(1, 24), rng.randint(1, 9)
        found.add(f"DE{district} {sector}{rng.choice(letters)}{rng.choice(letters)}")
    return sorted(found)


def _postcode(rng: random.Random, derby: list[str]) -> str:
    roll = rng.random()
    if roll < 0.05:
        return ""  # people may leave it out
    if roll < 0.15:
        return rng.choice(OUTSIDE)
    return rng.choice(derby)  # stored normalised, as the form's validation leaves them


def add_referrals(
    engine: Engine, slug: str, count: int, first_day: datetime, rng: random.Random
) -> dict[str, int]:
    """``count`` referrals received evenly over the 365 days from ``first_day`` (naive UTC),
    with their status changes and equality rows, as the form and case work would leave them."""
    changes: list[dict[str, Any]] = []
    equality: list[dict[str, Any]] = []
    options = {q: [v for v, _ in opts] + [""] for q, (_, opts) in EQUALITY.items()}
    columns = {q: q[3:] for q in EQUALITY}  # eq_age_band -> age_band
    tally = {"refused": 0, "waiting": 0}
    now = utcnow()
    derby = _derby_postcodes()

    def rows() -> Iterator[dict[str, Any]]:
        for n in range(1, count + 1):
            received = first_day + timedelta(seconds=rng.randrange(365 * 24 * 3600))
            respond_by = (received + timedelta(days=7)).date()
            roll = rng.random()
            if roll < 0.70:  # contacted in time
                contact: datetime | None = received + timedelta(hours=rng.randint(2, 7 * 24 - 1))
            elif roll < 0.85:  # contacted after the respond-by date
                contact = received + timedelta(days=rng.randint(8, 20))
            else:
                contact = None
            if contact is not None and contact > now:
                contact = None  # not happened yet
            status, reason = "received", ""
            if contact is not None:
                status = "contacted"
                changes.append(_change(n, contact, "received", "contacted", ""))
                later = contact + timedelta(days=rng.randint(1, 14))
                # Of those contacted: 12% refused and 6% waiting, so about 10% and 5% of all.
                fate = rng.random() if later < now else 1.0
                if fate < 0.12:
                    status, reason = "refused", rng.choice(list(REFUSAL_REASONS))
                elif fate < 0.18:
                    status, reason = "waiting", rng.choice(list(DELAY_REASONS))
                elif fate < 0.65:
                    status = "active"
                if status != "contacted":
                    changes.append(_change(n, later, "contacted", status, reason))
                    tally[status] = tally.get(status, 0) + 1
                closed = later + timedelta(days=rng.randint(30, 90))
                if status == "active" and closed < now and rng.random() < 0.5:
                    changes.append(_change(n, closed, "active", "closed", ""))
                    status = "closed"
            equality.append(
                {
                    "id": uuid.UUID(int=rng.getrandbits(128)).hex,
                    "service": slug,
                    "quarter": quarter_of(received),
                    **{columns[q]: rng.choice(options[q]) for q in EQUALITY},
                }
            )
            yield {
                "id": n,
                "ref": f"B-{n:08d}",
                "form_key": f"bench-{n:08d}",
                "service": slug,
                "status": status,
                "received_at": received,
                "respond_by": respond_by,
                "referrer_type": _weighted(rng, SOURCES),
                "first_name": "Bench",
                "last_name": f"Person {n}",
                "date_of_birth": date(1950 + n % 50, 1 + n % 12, 1 + n % 28),
                "email": f"person{n}@example.org",
                "postcode": _postcode(rng, derby),
                "preferred_contact": "email",
                "reason": "Some support with caring, please.",
                "consent": "yes",
                "first_contact_at": contact,
                "refusal_reason": reason if status == "refused" else "",
                "delay_reason": reason if status == "waiting" else "",
            }

    made = _insert(engine, referrals, rows())
    _insert(engine, referral_changes, iter(changes))
    _insert(engine, referral_equality, iter(equality))
    return {"referrals": made, "changes": len(changes), **tally}


def _change(referral_id: int, at: datetime, was: str, to: str, reason: str) -> dict[str, Any]:
    return {
        "referral_id": referral_id,
        "at": at,
        "what": "status",
        "from_value": was,
        "to_value": to,
        "reason": reason,
    }


def add_events(engine: Engine, slug: str, first: date, today: date, rng: random.Random) -> int:
    """A year of four weekly events, 6 to 12 of 400 carers booked on each past date, most
    marked as attending."""
    bookings: list[dict[str, Any]] = []
    now = utcnow()
    for title, kind in EVENTS:
        data = EventInput.model_validate(
            {
                "title": title,
                "kind": kind,
                "service": slug,
                "audience": "Carers in Derby",
                "description": "A benchmark event.",
                "start_date": first,
                "start_time": clock(18),
                "end_time": clock(19, 30),
                "repeat": "weekly",
                "format": "in-person",
                "venue_name": "Sample Centre",
                "address": "25 Example Road\nDerby",
                "postcode": "DE1 1ZZ",
                "area": "normanton",
                "access": ["step-free"],
                "cost": "free",
                "capacity": 20,
                "booking_required": True,
            }
        )
        event_id = event_store.create_event(engine, data, "benchmark")
        event = event_store.get_event(engine, event_id)
        assert event is not None
        before = datetime.combine(today, clock(), tzinfo=LONDON)
        for occ in occurrences(event, None, before):
            for person in rng.sample(range(400), rng.randint(6, 12)):
                roll = rng.random()
                mark = "attended" if roll < 0.80 else "did-not-attend" if roll < 0.92 else None
                email = f"carer{person}@example.org"
                bookings.append(
                    {
                        "event_id": event_id,
                        "occurrence_date": occ.original_date,
                        "status": "booked",
                        "name": f"Carer {person}",
                        "email": email,
                        "person_key": email,
                        "created_at": now,
                        "booked_at": now,
                        "attendance": mark,
                        "attendance_at": now if mark else None,
                    }
                )
    return _insert(engine, event_bookings, iter(bookings))


def add_feedback(
    engine: Engine, service: Service, first: date, count: int, rng: random.Random
) -> int:
    statements = [s.id for s in service.outcome_statements]
    answers: list[dict[str, Any]] = []

    def rows() -> Iterator[dict[str, Any]]:
        for n in range(1, count + 1):
            for statement in rng.sample(statements, rng.randint(1, len(statements))):
                answer = rng.choices(["agree", "neither", "disagree"], [70, 20, 10])[0]
                answers.append({"response_id": n, "statement_id": statement, "answer": answer})
            yield {
                "id": n,
                "service": service.slug,
                "given_on": first + timedelta(days=rng.randrange(365)),
                "comment": "",
            }

    made = _insert(engine, feedback_responses, rows())
    _insert(engine, feedback_answers, iter(answers))
    return made


def add_complaints(
    engine: Engine, slug: str, first_day: datetime, count: int, rng: random.Random
) -> int:
    def rows() -> Iterator[dict[str, Any]]:
        for n in range(1, count + 1):
            yield {
                "ref": f"C-{n:08d}",
                "form_key": f"bench-complaint-{n}",
                "kind": rng.choice(["complaint", "compliment", "comment"]),
                "service": slug,
                "received_at": first_day + timedelta(seconds=rng.randrange(365 * 24 * 3600)),
                "details": "A benchmark complaint.",
            }

    return _insert(engine, complaints, rows())


def build_portal(base: Path, count: int, slug: str, today: date, seed: int = 1) -> dict[str, Any]:
    """A migrated SQLite file under ``base`` with a year of the service's data; what it holds."""
    settings = settings_for(base)
    engine = make_engine(settings.database_url)
    migrate(engine)
    service = load_content(CONTENT).service(slug)
    assert service is not None, f"no service {slug} in {CONTENT}"
    rng = random.Random(seed)
    first = today - timedelta(days=364)
    first_day = datetime.combine(first, clock(9), tzinfo=LONDON).astimezone(UTC)
    first_day = first_day.replace(tzinfo=None)
    started = time.perf_counter()
    held: dict[str, Any] = dict(add_referrals(engine, slug, count, first_day, rng))
    held["bookings"] = add_events(engine, slug, first, today, rng)
    held["feedback"] = add_feedback(engine, service, first, max(50, count // 100), rng)
    held["complaints"] = add_complaints(engine, slug, first_day, max(20, count // 2000), rng)
    held["seed_s"] = time.perf_counter() - started
    return held


def _times(runs: int, work: Any) -> list[float]:
    found = []
    for _ in range(runs):
        t0 = time.perf_counter()
        work()
        found.append(time.perf_counter() - t0)
    return found


def time_build(base: Path, slug: str, start: date, end: date, runs: int = 5) -> list[float]:
    settings = settings_for(base)
    engine = make_engine(settings.database_url)
    service = load_content(CONTENT).service(slug)
    assert service is not None
    return _times(runs, lambda: returns.build(engine, service, start, end))


def time_count(base: Path, runs: int = 5) -> list[float]:
    engine = make_engine(settings_for(base).database_url)

    def count() -> int:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(referrals)).scalar_one())

    return _times(runs, count)


def _command() -> list[str]:
    script = Path(sys.executable).parent / "pafinder"
    return [str(script)] if script.exists() else [sys.executable, "-m", "pafinder"]


def time_command(
    base: Path, slug: str, start: date, end: date, runs: int = 3
) -> tuple[list[float], dict[str, Any]]:
    """The command end to end (interpreter start, imports, migrations check, content, build,
    audit row, JSON); its last answer, to check it against the in-process build."""
    env = {**os.environ, **env_for(base)}
    command = [*_command(), "report", slug, "--from", start.isoformat(), "--to", end.isoformat(),
               "--format", "json"]  # fmt: skip
    found, answer = [], {}
    for _ in range(runs):
        t0 = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        found.append(time.perf_counter() - t0)
        if done.returncode != 0:
            raise RuntimeError(f"pafinder report failed: {done.stderr[-2000:]}")
        answer = json.loads(done.stdout)
    return found, answer


def time_floor(base: Path, runs: int = 3) -> list[float]:
    """`pafinder --help`: the interpreter and the imports every command pays before it does
    anything, the floor under the command's time."""
    env = {**os.environ, **env_for(base)}
    command = [*_command(), "--help"]
    return _times(runs, lambda: subprocess.run(command, env=env, capture_output=True, check=True))


def profile_build(base: Path, slug: str, start: date, end: date, lines: int = 25) -> str:
    """Where one build spends its time (cProfile, sorted by cumulative time)."""
    settings = settings_for(base)
    engine = make_engine(settings.database_url)
    service = load_content(CONTENT).service(slug)
    assert service is not None
    returns.build(engine, service, start, end)  # warm, as the timed runs are
    profiler = cProfile.Profile()
    profiler.enable()
    returns.build(engine, service, start, end)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative").print_stats(lines)
    return out.getvalue()


# Where the command's time goes: (label, file name ending, function name) in the profile.
STAGES = (
    (
        "imports of pafinder.cli (every feature, click, SQLAlchemy, ...)",
        "pafinder/cli.py",
        "<module>",
    ),
    (
        "pafinder.features.all_features (imports each feature's plugin)",
        "pafinder/features.py",
        "all_features",
    ),
    (
        "load_content (every YAML and Markdown file of content/)",
        "pafinder/content.py",
        "load_content",
    ),
    ("migrate (Alembic: is the schema up to date?)", "pafinder/db.py", "migrate"),
    ("returns.build (the figures)", "reports/returns.py", "build"),
)


def profile_command(base: Path, slug: str, start: date, end: date) -> tuple[dict[str, float], str]:
    """The command once under cProfile in its own process: the cumulative seconds of each of
    STAGES (they overlap: imports happen inside the others too), and the top of the profile."""
    out_file = base / "command.prof"
    env = {**os.environ, **env_for(base)}
    command = [sys.executable, "-m", "cProfile", "-o", str(out_file), "-m", "pafinder", "report",
               slug, "--from", start.isoformat(), "--to", end.isoformat()]  # fmt: skip
    subprocess.run(command, env=env, capture_output=True, check=True)
    stats = pstats.Stats(str(out_file))
    stages: dict[str, float] = {}
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for label, file_end, name in STAGES:
        stages[label] = sum(
            row[3]
            for (filename, _, function), row in raw.items()
            if filename.endswith(file_end) and function == name
        )
    stages["whole command, profiled"] = stats.total_tt  # type: ignore[attr-defined]
    text = io.StringIO()
    stats.stream = text  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(30)
    return stages, text.getvalue()


def run(count: int, baseline: int, base: Path, slug: str, profile: bool) -> dict[str, Any]:
    today = london_date(utcnow())
    start, end = quarter(quarter(today)[0] - timedelta(days=1))
    out: dict[str, Any] = {
        "benchmark": "report",
        "service": slug,
        "referrals": count,
        "baseline_referrals": baseline,
        "from": start.isoformat(),
        "to": end.isoformat(),
    }
    for size, name in ((baseline, "baseline"), (count, "main")):
        print(f"== return: seeding {size:,} referrals", file=sys.stderr, flush=True)
        held = build_portal(base / f"report-{size}", size, slug, today)
        out[f"{name}_held"] = held
        print(f"   seeded in {held['seed_s']:.1f} s: {held}", file=sys.stderr, flush=True)
        builds = time_build(base / f"report-{size}", slug, start, end)
        out[f"{name}_build_best_s"] = min(builds)
        out[f"{name}_build_median_s"] = statistics.median(builds)
    big = base / f"report-{count}"
    counts = time_count(big)
    out["count_best_s"] = min(counts)
    out["count_median_s"] = statistics.median(counts)
    commands, answer = time_command(big, slug, start, end)
    out["floor_median_s"] = statistics.median(time_floor(big))
    out["command_median_s"] = statistics.median(commands)
    out["command_runs_s"] = commands
    out["command_referrals_total"] = answer["measures"]["referrals.total"]
    service = load_content(CONTENT).service(slug)
    assert service is not None
    built = returns.build(make_engine(settings_for(big).database_url), service, start, end)
    out["build_referrals_total"] = built.measures["referrals.total"]
    out["build_vs_baseline_build"] = out["main_build_median_s"] / out["baseline_build_median_s"]
    out["build_vs_count"] = out["main_build_median_s"] / out["count_median_s"]
    out["command_vs_build"] = out["command_median_s"] / out["main_build_median_s"]
    out["goal_s"] = GOAL_S
    out["within_goal"] = out["command_median_s"] < GOAL_S
    if profile or not out["within_goal"]:
        out["profile_build"] = profile_build(big, slug, start, end)
        out["command_stages_s"], out["profile_command"] = profile_command(big, slug, start, end)
    return out


def table(r: dict[str, Any]) -> str:
    """The Markdown table `make bench` prints and docs/benchmarks.md keeps."""
    n, b = r["referrals"], r["baseline_referrals"]
    verdict = "ok" if r["within_goal"] else "OVER GOAL"
    lines = [
        f"Return for {r['service']}, {r['from']} to {r['to']} (one quarter, beside the year "
        "to date)",
        "",
        "| measure | seconds | ratio to the baseline |",
        "| --- | ---: | ---: |",
        f"| `SELECT count(*)` over {n:,} referrals (baseline), median of 5 | "
        f"{r['count_median_s']:.4f} | 1 |",
        f"| `returns.build` at {b:,} referrals (baseline), best / median of 5 | "
        f"{r['baseline_build_best_s']:.3f} / {r['baseline_build_median_s']:.3f} | 1 |",
        f"| `returns.build` at {n:,} referrals, best / median of 5 | "
        f"{r['main_build_best_s']:.3f} / {r['main_build_median_s']:.3f} | "
        f"{r['build_vs_baseline_build']:.1f}x the {b:,} build; "
        f"{r['build_vs_count']:.0f}x the count |",
        f"| `pafinder --help` (start-up and imports only), median of 3 | "
        f"{r['floor_median_s']:.3f} | |",
        f"| `pafinder report --format json` at {n:,}, end to end, median of 3 | "
        f"{r['command_median_s']:.3f} | {r['command_vs_build']:.2f}x the in-process build |",
        "",
        f"at {n:,} referrals: pafinder report = {r['command_median_s']:.2f} s "
        f"(goal < {r['goal_s']:g} s) {verdict}",
    ]
    if "command_stages_s" in r:
        lines += ["", "| where the command's time goes (cProfile, cumulative; stages overlap) | "
                  "seconds |", "| --- | ---: |"]  # fmt: skip
        lines += [f"| {label} | {secs:.2f} |" for label, secs in r["command_stages_s"].items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report")
    parser.add_argument("referrals", type=int)
    parser.add_argument("base", type=Path)
    parser.add_argument("--baseline", type=int, default=10_000)
    parser.add_argument("--service", default="carers")
    parser.add_argument("--profile", action="store_true", help="profile the build even in time")
    args = parser.parse_args(argv)
    result = run(args.referrals, args.baseline, args.base, args.service, args.profile)
    for key in ("profile_build", "profile_command"):
        if key in result:
            print(f"== {key}\n{result[key]}", file=sys.stderr)
    print(table(result), file=sys.stderr)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
