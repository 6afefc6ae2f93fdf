"""The real front (issue 12, point 3): Debian's nginx with the configuration `pafinder
nginx-config` generates, in front of two app nodes (`pafinder serve` processes with their own
site/ and index folders) on one database (PostgreSQL in the suite's PostgreSQL run, the SQLite
file otherwise). Proves: a static page never reaches the app, a PA approved through node A is
found through node B within 2 seconds, an event published through A appears in B's site/, and a
referral POST through the front works."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from pafinder.db import make_engine
from pafinder.nodes.nginx import standalone
from pafinder.referrals import store as referral_store
from pafinder.register import index
from pafinder.settings import Settings
from pafinder.web.static import HASHED, IMMUTABLE
from tests.conftest import (
    REAL_CONTENT,
    ROOT,
    STAFF_PASSWORD,
    add_staff,
    free_port,
    make_settings,
    prepare,
    server_env,
)
from tests.events.conftest import form_data, london_today
from tests.referrals.helpers import answers_for, service
from tests.register.lifecycle_helpers import pending_listing

PAFINDER = str(ROOT / ".venv" / "bin" / "pafinder")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DATA_KEY = Fernet.generate_key().decode()


def env_for(settings: Settings, base_url: str) -> dict[str, str]:
    # The data key is shared by every node, as docs/deploying.md says: text encrypted on one is
    # read on another; the front is the only peer whose X-Forwarded-For the nodes believe.
    return server_env(settings, data_key=DATA_KEY, base_url=base_url, trusted_proxies="127.0.0.1")


def wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up: {log.read_text()[-3000:]}")


def eventually(check: Callable[[], bool], within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


class Deployment:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.a = self._node_settings(tmp / "a")
        self.b = self._node_settings(tmp / "b", self.a.database_url)
        self.front_port = free_port()
        self.front = f"http://127.0.0.1:{self.front_port}"
        self.ports = [free_port(), free_port()]
        self.nodes = [f"http://127.0.0.1:{p}" for p in self.ports]
        self.logs = [tmp / "node-a.log", tmp / "node-b.log"]
        self.procs: list[subprocess.Popen[bytes]] = []

    @staticmethod
    def _node_settings(base: Path, database_url: str | None = None) -> Settings:
        env = {"database_url": database_url} if database_url else {}
        settings = make_settings(base, REAL_CONTENT, data_key=DATA_KEY, **env)
        prepare(settings)
        index.rebuild_pa_index(make_engine(settings.database_url), settings)
        return settings

    def start(self) -> None:
        for settings, port, log in zip((self.a, self.b), self.ports, self.logs, strict=True):
            with log.open("ab") as out:
                self.procs.append(
                    subprocess.Popen(
                        [PAFINDER, "serve", "--port", str(port)],
                        env=env_for(settings, self.front),
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
        for url, proc, log in zip(self.nodes, self.procs, self.logs, strict=True):
            wait_until_up(url + "/healthz", proc, log)
        self._start_nginx()

    def _start_nginx(self) -> None:
        conf_dir = self.tmp / "nginx"
        conf_dir.mkdir()
        server = subprocess.run(
            [
                PAFINDER,
                "nginx-config",
                "--listen",
                f"127.0.0.1:{self.front_port}",
                "--root",
                str(self.a.site_dir.resolve()),
                *[arg for port in self.ports for arg in ("--upstream", f"127.0.0.1:{port}")],
            ],
            env=env_for(self.a, self.front),
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        command = standalone(conf_dir, server, nginx=NGINX)
        log = conf_dir / "error.log"
        with log.open("ab") as err:
            proc = subprocess.Popen(
                command,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        self.procs.append(proc)
        wait_until_up(self.front + "/healthz", proc, log)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()

    def node_logs(self) -> str:
        return "".join(log.read_text(errors="replace") for log in self.logs)


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    assert Path(NGINX).exists(), "nginx is missing: `make system-packages` installs it"
    deployed = Deployment(tmp_path)
    try:
        deployed.start()
        yield deployed
    finally:
        deployed.stop()


def token_in(html: str, name: str = "csrftoken") -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert match, f"no {name} in the page"
    return match.group(1)


@contextmanager
def signed_in(url: str, settings: Settings) -> Iterator[httpx.Client]:
    add_staff(settings, "front@example.org", role="admin")
    with httpx.Client(base_url=url, timeout=10) as client:
        token = token_in(client.get("/staff/sign-in").text)
        response = client.post(
            "/staff/sign-in",
            data={"email": "front@example.org", "password": STAFF_PASSWORD, "csrftoken": token},
        )
        assert response.status_code == 303, response.text[-500:]
        yield client


def test_static_pages_are_served_by_nginx_and_never_reach_the_app(
    deployment: Deployment,
) -> None:
    probe = f"static-{uuid.uuid4().hex}"
    page = httpx.get(f"{deployment.front}/?{probe}", headers={"accept-encoding": "gzip"})
    assert page.status_code == 200 and "<h1" in page.text
    assert page.headers["content-encoding"] == "gzip", "the build's .gz twin is sent"
    assert page.headers["cache-control"] == "no-cache" and page.headers.get("etag")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assets = [p for p in (deployment.a.site_dir / "assets").rglob("*") if HASHED.search(p.name)]
    asset = assets[0].relative_to(deployment.a.site_dir)
    cached = httpx.get(f"{deployment.front}/{asset}?{probe}")
    assert cached.status_code == 200 and cached.headers["cache-control"] == IMMUTABLE
    # The app's own routes go through to the nodes: ask until both have logged one, so their
    # logs are known to be written, then the static requests made before must be absent.
    asked = 0
    while not all(f"dynamic-{i}" in deployment.node_logs() for i in range(2)) and asked < 50:
        httpx.get(f"{deployment.front}/healthz?dynamic-{asked % 2}")
        asked += 1
    logs = [log.read_text(errors="replace") for log in deployment.logs]
    assert all("/healthz?dynamic-" in log for log in logs), "both nodes answer through the front"
    assert not any(probe in log for log in logs), "a static request reached the app"
    # A folder without its slash, and a page that is not there, are the app's answers.
    assert httpx.get(f"{deployment.front}/find-a-pa").status_code == 200


def test_a_pa_approved_through_node_a_is_found_through_node_b_within_2_seconds(
    deployment: Deployment,
) -> None:
    ref = pending_listing(deployment.a)
    node_a, node_b = deployment.nodes
    with signed_in(node_a, deployment.a) as staff:
        token = token_in(staff.get(f"/staff/pas/{ref}").text)
        checked = london_today() - timedelta(days=1)
        response = staff.post(
            f"/staff/pas/{ref}/approve",
            data={
                "csrftoken": token,
                "dbs_level": "enhanced",
                "check_method": "certificate",
                "checked_on-day": str(checked.day),
                "checked_on-month": str(checked.month),
                "checked_on-year": str(checked.year),
            },
        )
        assert response.status_code == 303, response.text[-500:]
    approved = time.monotonic()

    def on_b() -> bool:
        results = httpx.get(f"{node_b}/api/pas", timeout=5).json()["results"]
        return ref in {r["ref"] for r in results}

    assert eventually(on_b, within=2.0), "node B did not find the PA within 2 seconds"
    assert time.monotonic() - approved <= 2.5
    assert httpx.get(f"{node_b}/find-a-pa/{ref}").status_code == 200


def test_an_event_published_through_node_a_appears_in_node_bs_site(
    deployment: Deployment,
) -> None:
    title = "Front door walking group"
    page = deployment.b.site_dir / "events" / "index.html"
    assert title not in page.read_text()
    with signed_in(deployment.nodes[0], deployment.a) as staff:
        token = token_in(staff.get("/staff/events/new").text)
        day = london_today() + timedelta(days=3)
        response = staff.post(
            "/staff/events/new", data={**form_data(day, title=title), "csrftoken": token}
        )
        assert response.status_code == 303, response.text[-500:]
    assert eventually(lambda: title in page.read_text(), within=2.0)


def test_a_referral_sent_through_the_front_is_stored(deployment: Deployment) -> None:
    with httpx.Client(base_url=deployment.front, timeout=10) as person:
        html = person.get("/refer/carers").text
        fields = dict(re.findall(r'name="(csrftoken|form_key)" value="([^"]+)"', html))
        answers = answers_for(service(deployment.a, "carers"), last_name="Frontdoor")
        response = person.post("/refer/carers", data={**answers, **fields})
        assert response.status_code == 303, response.text[-500:]
        confirmation = person.get(response.headers["location"])
    match = re.search(r'<strong id="reference">([^<]+)</strong>', confirmation.text)
    assert match, confirmation.text[-500:]
    stored = referral_store.get(make_engine(deployment.a.database_url), match.group(1))
    assert stored is not None and stored.last_name == "Frontdoor"
