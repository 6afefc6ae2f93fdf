"""Issue 16, goal 4: a cold start, from starting the server to its first search answer, with the
PA bitmaps built from the database (no saved snapshot) and then loaded from the file the first
run saved beside the index (register/snapshot_store.py). Meanwhile another client asks for
`/healthz` and a static page over and over: the worst of those answers says whether the worker
answers while it warms. The baseline, in the same run: the time to the first `/healthz` answer
(starting Python, importing and creating the app), which no snapshot can shorten.

    python -m benchmarks.cold_start N BASE_DIR [--starts K]

Seeds N listings into BASE_DIR the first time (shared with benchmarks.find_page) and prints one
JSON line. The machine is shared and loaded: compare the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.find_page import STATIC, prepare, start
from benchmarks.http import free_port
from benchmarks.portal import queries, settings_for
from pafinder.register import snapshot_store


def one_start(base: Path) -> dict[str, float]:
    """Seconds from spawning the server to its first /healthz and its first search answer, and
    the slowest /healthz or static answer while that first search ran."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    server = start(base, port)
    out: dict[str, float] = {}
    try:
        with httpx.Client(base_url=url, timeout=120) as client:
            while True:
                try:
                    if client.get("/healthz").status_code in (200, 503):
                        break
                except httpx.HTTPError:
                    if time.monotonic() - started > 120:
                        raise
                time.sleep(0.02)
            out["healthz_s"] = time.monotonic() - started
            worst = [0.0]
            searching = threading.Event()
            searching.set()

            def poll() -> None:
                with httpx.Client(base_url=url, timeout=120) as other:
                    n = 0
                    while searching.is_set():
                        t0 = time.perf_counter()
                        other.get("/healthz" if n % 2 else STATIC)
                        worst[0] = max(worst[0], time.perf_counter() - t0)
                        n += 1

            poller = threading.Thread(target=poll)
            poller.start()
            try:
                response = client.get("/find-a-pa", params=queries(1)[0])
                assert response.status_code == 200, response.status_code
                out["first_answer_s"] = time.monotonic() - started
            finally:
                searching.clear()
                poller.join()
            out["worst_other_ms_while_warming"] = 1000 * worst[0]
    finally:
        server.terminate()
        server.wait(timeout=30)
    return out


def measure(base: Path, starts: int) -> dict[str, Any]:
    settings = settings_for(base)
    saved = snapshot_store.path(settings)
    out: dict[str, Any] = {}
    for mode in ("built", "loaded"):
        runs = []
        for _ in range(starts):
            if mode == "built":
                saved.unlink(missing_ok=True)
            runs.append(one_start(base))
            assert saved.is_file(), "the first search saves the snapshot"
        best = min(runs, key=lambda r: r["first_answer_s"])  # the least disturbed start
        out[f"{mode}_first_answer_s"] = best["first_answer_s"]
        out[f"{mode}_healthz_s"] = best["healthz_s"]
        out[f"{mode}_worst_other_ms"] = max(r["worst_other_ms_while_warming"] for r in runs)
    out["snapshot_file_mb"] = saved.stat().st_size / 1e6
    # What the snapshot costs a start beyond starting the app, built against loaded.
    built_extra = out["built_first_answer_s"] - out["built_healthz_s"]
    loaded_extra = out["loaded_first_answer_s"] - out["loaded_healthz_s"]
    out["warm_up_built_over_loaded"] = built_extra / max(loaded_extra, 1e-6)
    out["load_average"] = os.getloadavg()[0]
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cold_start")
    parser.add_argument("count", type=int)
    parser.add_argument("base", type=Path)
    parser.add_argument("--starts", type=int, default=2)
    args = parser.parse_args(argv)
    args.base.mkdir(parents=True, exist_ok=True)
    prepare(args.count, args.base)
    return {"docs": args.count, "benchmark": "cold_start", **measure(args.base, args.starts)}


if __name__ == "__main__":
    print(json.dumps(main()))
