"""PA search with words (issue 16, goals 1 and 3), over HTTP against a real uvicorn worker, as
ratios against a baseline measured in the same run: the filter-only `/api/pas` (three filters).

Measures, each p50/p95 in ms and as a ratio of the baseline's p95:
- `/api/pas` and `/find-a-pa` with `q` a common word, a rarer one and two words, with and
  without three filters (repeated, as a search is repeated and paged: the warm case);
- the first search for a word this worker has not seen (the cold case: Whoosh scores every
  match once, then the matches are cached);
- how much a static page and `/healthz` are delayed while another client runs word searches
  (cold words included), against the same requests on an idle worker.

    python -m benchmarks.text_search N BASE_DIR [--rounds R] [--before SRC_DIR]

BASE_DIR is seeded with N listings unless it already holds them (`make bench` passes the
folder its 100,000-listing run just seeded). `--before SRC_DIR` runs the same measurements
against another copy of the source (for example `git archive HEAD src | tar -x -C DIR`) in the
same run, for before/after figures. Prints a table on stderr and one JSON line on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from benchmarks.http import free_port
from benchmarks.portal import env_for, percentile, queries, settings_for

COMMON, RARE, TWO = "garden", "22", "garden cooking"
WORDS = {"common": COMMON, "rare": RARE, "two words": TWO}
# Words for the cold case: each one searched once on a worker that has not seen it.
COLD_WORDS = ("walking", "swimming", "knitting", "photography", "dementia", "hoists", "teaching",
              "nurse", "college", "charity", "football", "baking")  # fmt: skip
STATIC = "/bench-static/"


def seed_if_empty(base: Path, count: int) -> None:
    from pafinder.db import make_engine, migrate
    from pafinder.register import seed, store
    from pafinder.search import PAGES, current_generation, rebuild_pages_index

    settings = settings_for(base)
    engine = make_engine(settings.database_url)
    migrate(engine)
    if store.count_pas(engine) < count:
        seed.seed_pas(engine, settings, count - store.count_pas(engine), 1, None)
    if current_generation(settings.index_dir, PAGES) is None:
        rebuild_pages_index(settings.index_dir, [])  # /healthz answers 200 with one
    page = settings.site_dir / STATIC.strip("/") / "index.html"
    if not page.exists():
        page.parent.mkdir(parents=True, exist_ok=True)
        body = "<p>A static page of about the size of an information page.</p>\n" * 80
        page.write_text(f"<!DOCTYPE html><html lang='en'><title>Static</title>{body}</html>")


@contextmanager
def server(base: Path, src: Path | None = None) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, **env_for(base)}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "pafinder.asgi:app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=5).status_code in (200, 503):
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def timed(client: httpx.Client, path: str, params: Any = None) -> float:
    t0 = time.perf_counter()
    response = client.get(path, params=params)
    elapsed = time.perf_counter() - t0
    assert response.status_code == 200, (path, params, response.status_code)
    return elapsed


def stats(times: list[float]) -> dict[str, float]:
    return {"p50_ms": 1000 * percentile(times, 50), "p95_ms": 1000 * percentile(times, 95)}


def kinds() -> dict[str, list[tuple[str, str]] | list[list[tuple[str, str]]]]:
    """Each measured kind: one parameter list, or a list of them (the filter-only baseline and
    the words with filters vary the filters as employers would)."""
    filtered = queries(20)
    out: dict[str, Any] = {"filters only (baseline)": filtered}
    for name, words in WORDS.items():
        out[f"q {name}"] = [("q", words)]
        out[f"q {name} + 3 filters"] = [[("q", words), *f] for f in filtered]
    return out


def measure_paths(url: str, rounds: int) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    with httpx.Client(base_url=url, timeout=120) as client:
        for path in ("/api/pas", "/find-a-pa"):
            for name, params in kinds().items():
                variants = params if params and isinstance(params[0], list) else [params]
                for v in variants:  # warm: bitmaps, text matches, SQLite pages
                    timed(client, path, v)
                times = [timed(client, path, v) for _ in range(rounds) for v in variants]
                out[f"{path} {name}"] = stats(times)
        # Cold: the first search for each word (then it is cached, so it is only once a word).
        cold = [timed(client, "/api/pas", [("q", w)]) for w in COLD_WORDS]
        out["/api/pas q first time (cold)"] = stats(cold)
    return out


def measure_delay(url: str, rounds: int) -> dict[str, dict[str, float]]:
    """A static page and /healthz idle, then while another client searches words non-stop."""
    out: dict[str, dict[str, float]] = {}
    with httpx.Client(base_url=url, timeout=120) as client:
        for path in (STATIC, "/healthz"):
            timed(client, path)
            out[f"{path} idle"] = stats([timed(client, path) for _ in range(rounds * 20)])
        stop, started = threading.Event(), threading.Event()
        searches = [0]

        def search_words() -> None:
            words = [COMMON, RARE, TWO, *(f"{w} {COMMON}" for w in COLD_WORDS), *COLD_WORDS]
            with httpx.Client(base_url=url, timeout=120) as other:
                i = 0
                while not stop.is_set():
                    other.get("/api/pas", params=[("q", words[i % len(words)]), ("page", "2")])
                    other.get("/find-a-pa", params=[("q", words[(i + 1) % len(words)])])
                    searches[0] += 2
                    started.set()
                    i += 1

        worker = threading.Thread(target=search_words, daemon=True)
        worker.start()
        started.wait(timeout=600)  # measure once the searching has really begun
        try:
            for path in (STATIC, "/healthz"):
                busy = [timed(client, path) for _ in range(rounds * 20)]
                out[f"{path} while words are searched"] = stats(busy)
                out[f"{path} delay"] = {
                    k: out[f"{path} while words are searched"][k] - out[f"{path} idle"][k]
                    for k in ("p50_ms", "p95_ms")
                }
        finally:
            stop.set()
            worker.join(timeout=120)
        out["searches run meanwhile"] = {"count": float(searches[0])}
    return out


def run(base: Path, rounds: int, src: Path | None = None) -> dict[str, dict[str, float]]:
    with server(base, src) as url:
        results = measure_paths(url, rounds)
    with server(base, src) as url:  # a fresh worker: the delay run starts with cold words too
        results.update(measure_delay(url, rounds))
    baseline = results["/api/pas filters only (baseline)"]["p95_ms"]
    for name, row in results.items():
        if "p95_ms" in row and "delay" not in name:
            row["p95_ratio"] = row["p95_ms"] / baseline
    return results


def table(results: dict[str, dict[str, float]], before: dict[str, dict[str, float]] | None) -> str:
    head = "| measured | p50 ms | p95 ms | p95 / baseline |"
    rule = "| --- | ---: | ---: | ---: |"
    if before:
        head += " before p50 ms | before p95 ms | before p95 / baseline |"
        rule += " ---: | ---: | ---: |"
    lines = [head, rule]
    for name, row in results.items():
        if "p95_ms" not in row:
            blank = " | | |" if before else ""
            lines.append(f"| {name} | {row.get('count', 0):.0f} | | |{blank}")
            continue
        cells = [f"{row['p50_ms']:.1f}", f"{row['p95_ms']:.1f}", _ratio(row)]
        if before:
            b = before.get(name, {})
            cells += [f"{b['p50_ms']:.1f}", f"{b['p95_ms']:.1f}", _ratio(b)] if b else ["", "", ""]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _ratio(row: dict[str, float]) -> str:
    return f"{row['p95_ratio']:.2f}" if "p95_ratio" in row else ""


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.text_search")
    parser.add_argument("docs", type=int)
    parser.add_argument("base", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", type=Path, help="another copy of src/ to measure first")
    args = parser.parse_args(argv)
    seed_if_empty(args.base, args.docs)
    before = run(args.base, args.rounds, args.before) if args.before else None
    after = run(args.base, args.rounds)
    load = os.getloadavg()
    print(f"Text search at {args.docs:,} listings, load average {load[0]:.1f} "
          f"(a shared machine: read the ratios)", file=sys.stderr)  # fmt: skip
    print(table(after, before), file=sys.stderr)
    return {"benchmark": "text_search", "docs": args.docs, "load_average": load[0],
            "results": after, "before": before}  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(main()))
