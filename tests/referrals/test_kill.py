"""Durability: the real server (`pafinder serve` in a subprocess) takes referrals from several
threads, is killed with SIGKILL part-way, and restarted. Every referral that was acknowledged
with a 303 must be in `pafinder export referrals`, and double submits must not duplicate any."""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from itsdangerous import URLSafeTimedSerializer

from tests.conftest import REAL_CONTENT, ROOT, free_port, make_settings, prepare, server_env
from tests.referrals.helpers import answers_for, service

PAFINDER = str(ROOT / ".venv" / "bin" / "pafinder")
SLUGS = ["peer-support-recovery", "carers", "mentoring", "supported-accommodation"]
THREADS = 4
KILL_AFTER = 24
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _word(n: int) -> str:
    """Names must be letters: 0 -> 'a', 27 -> 'bb' and so on."""
    out = ""
    while True:
        out = LETTERS[n % 26] + out
        n //= 26
        if n == 0:
            return out.capitalize()


class Server:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [PAFINDER, "serve", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start: " + self.log.read_text()[-2000:])

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def test_acknowledged_referrals_survive_sigkill(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, REAL_CONTENT)
    prepare(settings)
    env = server_env(settings)
    confirmations = URLSafeTimedSerializer(
        "test-secret-key-for-pafinder-tests-only", salt="pafinder-referral-confirmation"
    )
    services = {slug: service(settings, slug) for slug in SLUGS}
    acknowledged: dict[str, str] = {}  # last name (unique per form) -> reference
    replays: list[tuple[str, dict[str, Any], dict[str, str]]] = []
    lock = threading.Lock()
    stop = threading.Event()
    server = Server(env, tmp_path / "server.log")
    server.start()

    def ref_of(response: httpx.Response) -> str:
        token = response.headers["location"].rsplit("/", 1)[-1]
        return str(confirmations.loads(token))

    def worker(number: int) -> None:
        i = 0
        while not stop.is_set():
            slug = SLUGS[(number + i) % len(SLUGS)]
            last = _word(number * 1000 + i)
            i += 1
            try:
                with httpx.Client(base_url=server.url, timeout=10) as client:
                    html = client.get(f"/refer/{slug}").text
                    fields = dict(re.findall(r'name="(csrftoken|form_key)" value="([^"]+)"', html))
                    data = {**answers_for(services[slug], last_name=last), **fields}
                    response = client.post(f"/refer/{slug}", data=data)
                    if response.status_code != 303:
                        raise AssertionError(f"{response.status_code}: {response.text[:500]}")
                    ref = ref_of(response)
                    with lock:
                        acknowledged[last] = ref
                        replays.append((slug, data, dict(client.cookies)))
                    if i % 3 == 0:  # a double click: the same form posted again
                        again = client.post(f"/refer/{slug}", data=data)
                        assert again.status_code == 303 and ref_of(again) == ref
            except httpx.TransportError:
                time.sleep(0.05)  # the server is down (killed): try again later

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(THREADS)]
    for t in threads:
        t.start()
    try:
        deadline = time.monotonic() + 60
        while len(acknowledged) < KILL_AFTER and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill()  # part-way: requests are in flight in every thread
        before_kill = dict(acknowledged)
        assert len(before_kill) >= KILL_AFTER
        time.sleep(0.3)
        server.start()
        # After the restart, some forms sent before the kill are posted again: the same
        # reference comes back and nothing is duplicated.
        with lock:
            sample = replays[:6]
        for slug, data, cookies in sample:
            with httpx.Client(base_url=server.url, timeout=10, cookies=cookies) as client:
                again = client.post(f"/refer/{slug}", data=data)
            assert again.status_code == 303
            assert ref_of(again) == acknowledged[data["last_name"]]
        target = len(acknowledged) + 8
        deadline = time.monotonic() + 60
        while len(acknowledged) < target and time.monotonic() < deadline:
            time.sleep(0.01)
        stop.set()
        for t in threads:
            t.join(timeout=20)
    finally:
        stop.set()
        server.stop()

    result = subprocess.run(
        [PAFINDER, "export", "referrals"], env=env, capture_output=True, check=True, timeout=60
    )
    rows = list(csv.DictReader(io.StringIO(result.stdout.decode("utf-8"))))
    refs = Counter(r["ref"] for r in rows)
    names = Counter(r["last_name"] for r in rows)
    assert not [r for r, n in refs.items() if n > 1], "a reference was exported twice"
    assert not [n for n, c in names.items() if c > 1], "a form was recorded twice"
    exported = {r["last_name"]: r["ref"] for r in rows}
    missing = {name: ref for name, ref in acknowledged.items() if exported.get(name) != ref}
    assert not missing, f"acknowledged with a 303 but not exported: {missing}"
    assert len(acknowledged) >= KILL_AFTER + 8
