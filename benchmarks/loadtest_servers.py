"""The servers a load test runs against: `pafinder serve --workers N` on a free port of
127.0.0.1, and Debian's nginx with the server block `pafinder nginx-config` prints (wrapped in a
minimal nginx.conf, as tests/deploy/test_front.py does), serving the same site/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

from benchmarks.http import free_port
from benchmarks.loadtest_data import Portal
from benchmarks.portal import env_for
from pafinder.nodes.nginx import standalone

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def server_env(portal: Portal, base_url: str) -> dict[str, str]:
    """This run's portal only: no PAFINDER_* of the caller's shell (a PostgreSQL URL, Redis, an
    SMTP server) may point the server elsewhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAFINDER_")}
    return {**env, **env_for(portal.base), "PAFINDER_BASE_URL": base_url}


def wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path, within: float = 120) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up: {log.read_text(errors='replace')[-3000:]}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def app(portal: Portal, workers: int) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = portal.base / "serve.log"
    command = [sys.executable, "-m", "pafinder", "serve", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers)]  # fmt: skip
    with log.open("ab") as out:
        proc = subprocess.Popen(
            command, env=server_env(portal, url), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_until_up(url + "/healthz", proc, log)
        yield url
    finally:
        stop(proc)


def warm(url: str, filters: list[list[tuple[str, str]]], workers: int) -> None:
    """Each worker builds its search bitmaps on its first search: send a few at once on new
    connections, so the kernel hands them to every worker before the clock starts."""

    def one(i: int) -> None:
        params = httpx.QueryParams(tuple(filters[i % len(filters)]))
        with httpx.Client(base_url=url, timeout=120) as client:
            client.get("/api/pas", params=params)
            client.get("/find-a-pa", params=params)
            client.get("/api/pas", params={"q": "gardening"})

    with ThreadPoolExecutor(4 * workers) as pool:
        list(pool.map(one, range(8 * workers)))


@contextmanager
def nginx(portal: Portal, app_port: int, conf_dir: Path, workers: int = 2) -> Iterator[str]:
    """nginx in front of the app on ``app_port``, serving the portal's site/ itself; as many
    worker processes as the app has, so the comparison is like for like."""
    conf_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.run(
        [sys.executable, "-m", "pafinder", "nginx-config", "--listen", f"127.0.0.1:{port}",
         "--root", str(portal.settings.site_dir.resolve()),
         "--upstream", f"127.0.0.1:{app_port}"],
        env=server_env(portal, url), check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    command = standalone(conf_dir, server, workers, NGINX)
    log = conf_dir / "error.log"
    with log.open("ab") as err:
        proc = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        wait_until_up(url + "/", proc, log)
        yield url
    finally:
        stop(proc)
