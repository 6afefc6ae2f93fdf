"""Latency of /api/pas over HTTP on loopback: real uvicorn in a subprocess, warm, keep-alive."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.portal import env_for, percentile, queries


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(base: Path, rounds: int = 5) -> dict[str, Any]:
    port = free_port()
    env = {**os.environ, **env_for(base)}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "pafinder.asgi:app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if client.get("/healthz").status_code in (200, 503):
                        break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise
                time.sleep(0.1)
            qs = queries()
            for q in qs:  # warm: bitmaps built, SQLite pages cached
                assert client.get("/api/pas", params=q).status_code == 200
            times = []
            for _ in range(rounds):
                for q in qs:
                    t0 = time.perf_counter()
                    response = client.get("/api/pas", params=q)
                    times.append(time.perf_counter() - t0)
                    assert response.status_code == 200
        return {
            "http_p50_ms": 1000 * percentile(times, 50),
            "http_p95_ms": 1000 * percentile(times, 95),
            "server_peak_rss_mb": peak_rss_mb(server.pid),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
