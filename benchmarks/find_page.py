"""Issue 16, goal 2: the `/find-a-pa` HTML page with three filters, over HTTP on one worker,
against two baselines measured in the same run on the same server: `/api/pas` with the same
filters (the bitmaps and the database reads, without the page) and a static page through the
app. The machine is shared and loaded, so the ratios matter more than the milliseconds.

    python -m benchmarks.find_page N BASE_DIR [--rounds R] [--seconds S] [--clients C]

Seeds N listings into BASE_DIR unless it holds some (benchmarks.cold_start and a folder seeded
by benchmarks.scale are reused),
starts uvicorn with one worker (PAFINDER_ENV=test: templates are not re-checked on every use,
as in production), and prints one JSON line: p50/p95 ms of each kind, sequential and
keep-alive, then requests/s with C keep-alive clients for S seconds each.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.http import free_port
from benchmarks.portal import env_for, percentile, queries, settings_for

STATIC = "/about/"  # a pre-rendered page of site/, served by the app's static files


def prepare(count: int, base: Path) -> None:
    """Seed and index ``count`` listings unless the folder's database has listings already (a
    folder benchmarks.scale seeded is reused as it is), and build site/ if it is not built."""
    from pafinder.build import build
    from pafinder.db import make_engine, migrate
    from pafinder.features import all_publishers
    from pafinder.register import seed, store

    settings = settings_for(base)
    engine = make_engine(settings.database_url)
    migrate(engine)
    if not (settings.site_dir / "index.html").exists():
        build(settings, all_publishers())
    if not store.count_searchable(engine):
        seed.seed_pas(engine, settings, count, 1)  # rebuilds the PA index too
    engine.dispose()


def server_env(base: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, **env_for(base), "PAFINDER_ENV": "test", **(extra or {})}


def start(base: Path, port: int, extra: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "pafinder.asgi:app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=server_env(base, extra),
    )  # fmt: skip


def wait_ready(client: httpx.Client, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if client.get("/healthz").status_code in (200, 503):
                return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.05)


def kinds() -> dict[str, list[tuple[str, list[tuple[str, str]]]]]:
    qs = queries()
    return {
        "find_page": [("/find-a-pa", q) for q in qs],
        "api_pas": [("/api/pas", q) for q in qs],
        "static": [(STATIC, [])],
    }


def latency(client: httpx.Client, requests: list[Any], rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        for path, params in requests:
            t0 = time.perf_counter()
            response = client.get(path, params=params)
            times.append(time.perf_counter() - t0)
            assert response.status_code == 200, (path, response.status_code)
    return times


def throughput(url: str, requests: list[Any], seconds: float, clients: int) -> float:
    """Requests/s answered 200 by C keep-alive clients (threads) for ``seconds``."""
    done = [0] * clients
    deadline = time.monotonic() + seconds

    def run(i: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            n = i
            while True:  # at least one request each, however loaded the machine
                path, params = requests[n % len(requests)]
                if client.get(path, params=params).status_code == 200:
                    done[i] += 1
                n += clients
                if time.monotonic() >= deadline:
                    break

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.monotonic() - started)


def measure(base: Path, rounds: int, seconds: float, clients: int,
            extra_env: dict[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    port = free_port()
    server = start(base, port, extra_env)
    url = f"http://127.0.0.1:{port}"
    out: dict[str, Any] = {}
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            wait_ready(client)
            every = kinds()
            for requests in every.values():  # warm: bitmaps built, pages cached
                latency(client, requests, 1)
            for name, requests in every.items():
                times = latency(client, requests, rounds if name != "static" else 60 * rounds)
                out[f"{name}_p50_ms"] = 1000 * percentile(times, 50)
                out[f"{name}_p95_ms"] = 1000 * percentile(times, 95)
        for name, requests in every.items():
            out[f"{name}_rps"] = throughput(url, requests, seconds, clients)
    finally:
        server.terminate()
        server.wait(timeout=30)
    out["find_page_p95_over_api"] = out["find_page_p95_ms"] / out["api_pas_p95_ms"]
    out["find_page_rps_over_api"] = out["find_page_rps"] / out["api_pas_rps"]
    out["find_page_p95_over_static"] = out["find_page_p95_ms"] / out["static_p95_ms"]
    out["load_average"] = os.getloadavg()[0]
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.find_page")
    parser.add_argument("count", type=int)
    parser.add_argument("base", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args(argv)
    args.base.mkdir(parents=True, exist_ok=True)
    prepare(args.count, args.base)
    result = {"docs": args.count, "benchmark": "find_page"}
    result.update(measure(args.base, args.rounds, args.seconds, args.clients))
    return result


if __name__ == "__main__":
    print(json.dumps(main()))
