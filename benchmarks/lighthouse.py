"""Lighthouse performance of every kind of public page, on the mobile preset (issue 11, point 10).

A real portal (`pafinder demo`: the sample content, the demo data, uvicorn on 127.0.0.1) and
Lighthouse from npm, pinned, installed by the bench into `.bench/lighthouse/` (git-ignored, and
not in package.json, so `make install` never pulls it), driving Debian's Chromium. Every page
must score at least TARGET; `python -m benchmarks` exits 1 when one does not.

    python -m benchmarks.lighthouse [--keep DIR] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx

from benchmarks.portal import ROOT, env_for

# 12.8 is the newest Lighthouse that runs on Node 20 (13 needs Node 22.19; the README promises
# Node 20+). Exact, so two runs of the bench measure with the same scoring.
LIGHTHOUSE_VERSION = "12.8.2"
FOLDER = ROOT / ".bench" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
# The machine's network is closed: without these Chromium waits on connections it will never
# make (QUIC probes, updates, sync) and Lighthouse times out.
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync"
)
TARGET = 95
RUN_TIMEOUT_S = 240


@dataclass(frozen=True)
class Page:
    """One page kind to measure: a name for the table, its path, the status it must answer
    with, and the session cookie it needs (a question page after the first needs a draft)."""

    name: str
    path: str
    status: int = 200
    cookie: str | None = None


@dataclass(frozen=True)
class Result:
    name: str
    path: str
    performance: int | None  # 0-100; None when Lighthouse could not score the page
    accessibility: int | None
    fcp_ms: float | None
    lcp_ms: float | None
    tbt_ms: float | None
    cls: float | None
    why: tuple[str, ...]  # the performance audits that lost points, as Lighthouse titles them
    error: str | None


# Finding the pages ---------------------------------------------------------------------------


class Client(Protocol):
    """An httpx client on the portal: the bench's own, or the tests' TestClient."""

    cookies: Any

    def get(self, url: str, *, params: Any = ...) -> Any: ...

    def post(self, url: str, *, data: Any = ..., follow_redirects: Any = ...) -> Any: ...


def page_list(client: Client) -> list[Page]:
    """Every distinct kind of public page, found on a running portal with demo data (a PA, an
    event and each referral service are looked up, since the demo's references are random)."""
    listing = client.get("/api/pas", params={"per_page": 1}).json()["results"][0]
    # Three filters this listing matches, so the page shows results, as an employer sets them.
    filters = urlencode(
        {"area": listing["areas"][0], "task": listing["tasks"][0], "dbs": listing["dbs"]}
    )
    first_event = client.get("/api/events").json()[0]["id"]
    series = str(first_event).partition("-")[0]  # "4-20261203": series 4, its date
    pages = [
        Page("home", "/"),
        Page("find a PA", "/find-a-pa"),
        Page("find a PA, 3 filters", f"/find-a-pa?{filters}"),
        Page("PA profile", f"/find-a-pa/{listing['ref']}"),
        Page("site search", "/search?q=direct+payments"),
        Page("events", "/events"),
        Page("one event", f"/events/{series}/"),
        Page("PA register start", "/become-a-pa/register"),
    ]
    for service in client.get("/api/services").json():
        slug = service["slug"]
        pages.append(Page(f"refer {slug}: start", f"/refer/{slug}"))
        pages.append(Page(f"refer {slug}: questions", *_question_page(client, slug)))
    pages += [
        Page("advice page", "/direct-payments/what-are-direct-payments/"),
        Page("staff sign-in", "/staff/sign-in"),
        Page("not found", "/no-such-page", status=404),
    ]
    return pages


def _question_page(client: Client, slug: str) -> tuple[str, int, str]:
    """The service's own first page of questions (its YAML's), reached as a person would: the
    start page's form sent once (answers kept in a draft, valid or not), then its cookie."""
    start = client.get(f"/refer/{slug}").text
    action = re.search(r'<form method="post" action="(/refer/[^"]+)"', start)
    token = re.search(r'name="csrftoken" value="([^"]+)"', start)
    assert action and token, f"no form on /refer/{slug}"
    data = {"csrftoken": token.group(1)}
    if 'name="referrer_type"' in start:  # "who is filling it in" comes first
        data["referrer_type"] = "self"
    client.post(action.group(1), data=data, follow_redirects=False)
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    return f"/refer/{slug}/questions-1", 200, cookie


# Running Lighthouse --------------------------------------------------------------------------


def ensure_lighthouse(folder: Path = FOLDER) -> Path:
    """The pinned Lighthouse's command, installed from npm on first use (about 20 s)."""
    binary = folder / "node_modules" / ".bin" / "lighthouse"
    if installed_version(folder) != LIGHTHOUSE_VERSION:
        folder.mkdir(parents=True, exist_ok=True)
        print(f"== installing lighthouse@{LIGHTHOUSE_VERSION} into {folder}", file=sys.stderr)
        subprocess.run(
            ["npm", "install", "--prefix", str(folder), "--save-exact", "--no-audit",
             "--no-fund", "--loglevel=error", f"lighthouse@{LIGHTHOUSE_VERSION}"],
            check=True,
        )  # fmt: skip
    return binary


def installed_version(folder: Path = FOLDER) -> str | None:
    manifest = folder / "node_modules" / "lighthouse" / "package.json"
    if not manifest.exists():
        return None
    return str(json.loads(manifest.read_text())["version"])


def chromium_version() -> str:
    # Debian's wrapper script prints a shell warning on stderr; the version is on stdout.
    done = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def run_lighthouse(binary: Path, url: str, page: Page, report: Path) -> dict[str, Any]:
    command = [
        str(binary), url, "--output=json", f"--output-path={report}", "--quiet",
        "--only-categories=performance,accessibility", f"--chrome-flags={CHROME_FLAGS}",
    ]  # fmt: skip
    if page.status >= 400:
        command.append("--ignore-status-code")  # else Lighthouse refuses to score a 404
    if page.cookie:
        command.append(f"--extra-headers={json.dumps({'Cookie': page.cookie})}")
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    subprocess.run(command, env=env, check=False, timeout=RUN_TIMEOUT_S,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    if not report.exists():
        return {"runtimeError": {"message": "Lighthouse wrote no report"}}
    loaded: dict[str, Any] = json.loads(report.read_text())
    return loaded


def parse(name: str, path: str, report: dict[str, Any]) -> Result:
    """The figures of one Lighthouse JSON report (the CLI's --output=json)."""
    categories = report.get("categories", {})
    audits = report.get("audits", {})

    def score(category: str) -> int | None:
        value = categories.get(category, {}).get("score")
        return None if value is None else round(100 * value)

    def metric(audit: str) -> float | None:
        value = audits.get(audit, {}).get("numericValue")
        return None if value is None else float(value)

    why = []
    for ref in categories.get("performance", {}).get("auditRefs", []):
        audit = audits.get(ref["id"], {})
        # Lighthouse 12 runs each "insight" beside the older audit it replaces, in a hidden
        # group: the visible audits alone, so a cause is named once.
        scored = audit.get("scoreDisplayMode") in ("numeric", "binary", "metricSavings")
        low = audit.get("score") is not None and audit["score"] < 0.9
        if scored and low and ref.get("group") != "hidden":
            shown = audit.get("displayValue")
            why.append(str(audit.get("title", ref["id"])) + (f" ({shown})" if shown else ""))
    error = report.get("runtimeError", {}).get("message")
    requested, final = report.get("requestedUrl"), report.get("finalDisplayedUrl")
    if error is None and requested and final and requested != final:
        # A redirect (a question page bouncing to the start without its draft, say) would
        # measure another page under this one's name.
        error = f"redirected to {final}"
    return Result(
        name=name,
        path=path,
        performance=score("performance"),
        accessibility=score("accessibility"),
        fcp_ms=metric("first-contentful-paint"),
        lcp_ms=metric("largest-contentful-paint"),
        tbt_ms=metric("total-blocking-time"),
        cls=metric("cumulative-layout-shift"),
        why=tuple(why),
        error=error,
    )


def passed(result: Result) -> bool:
    return result.error is None and result.performance is not None and result.performance >= TARGET


# The portal ----------------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def demo_portal(base: Path) -> Iterator[str]:
    """`pafinder demo` on a free loopback port (it migrates, seeds, builds site/ and serves)."""
    port = _free_port()
    # Only the bench's own settings: never a database, mail server or Redis of the shell's
    # (the demo seeds referrals, which send email); demo links to its own host and port.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAFINDER_")}
    env.update(env_for(base))
    base.mkdir(parents=True, exist_ok=True)
    log = (base / "demo.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "pafinder", "demo", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=base, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # seeding and the build come first
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the demo portal did not start; see {base / 'demo.log'}")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


# The run -------------------------------------------------------------------------------------


def run(keep: Path | None = None, only: list[str] | None = None) -> dict[str, Any]:
    """Measure every page; the record for `--out` (figures, versions, load average)."""
    binary = ensure_lighthouse()
    load_before = os.getloadavg()
    started = time.time()
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="pafinder-lighthouse-") as tmp:
        reports = keep or Path(tmp) / "reports"
        reports.mkdir(parents=True, exist_ok=True)
        with demo_portal(Path(tmp) / "portal") as url, httpx.Client(base_url=url) as client:
            for page in page_list(client):
                if only and page.name not in only:
                    continue
                print(f"== lighthouse: {page.name}", file=sys.stderr, flush=True)
                file = reports / (re.sub(r"[^a-z0-9]+", "-", page.name.lower()) + ".json")
                file.unlink(missing_ok=True)
                report = run_lighthouse(binary, url + page.path, page, file)
                results.append(parse(page.name, page.path, report))
    return {
        "benchmark": "lighthouse",
        "lighthouse": installed_version(),
        "chromium": chromium_version(),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "seconds": round(time.time() - started),
        "target": TARGET,
        "passed": all(passed(r) for r in results),
        "pages": [asdict(r) for r in results],
    }


def table(record: dict[str, Any]) -> str:
    def ms(value: float | None) -> str:
        return "" if value is None else f"{value:,.0f}"

    lines = [
        f"Lighthouse {record['lighthouse']}, {record['chromium']}, mobile preset (simulated "
        f"throttling); load average {record['load_average_before'][0]:.1f} before, "
        f"{record['load_average_after'][0]:.1f} after; {record['seconds']} s",
        "",
        "| page | path | performance | accessibility | FCP ms | LCP ms | TBT ms | CLS |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in record["pages"]:
        path = re.sub(r"PA-[A-Z0-9]+", "PA-…", r["path"])  # the demo's references are random
        perf = "error" if r["performance"] is None else str(r["performance"])
        cls = "" if r["cls"] is None else f"{r['cls']:.3f}"
        a11y = "" if r["accessibility"] is None else str(r["accessibility"])
        lines.append(
            f"| {r['name']} | `{path}` | {perf} | {a11y} | {ms(r['fcp_ms'])} | "
            f"{ms(r['lcp_ms'])} | {ms(r['tbt_ms'])} | {cls} |"
        )
    for r in record["pages"]:
        if r["error"] or r["performance"] is None or r["performance"] < TARGET:
            reason = r["error"] or "; ".join(r["why"]) or "no audit below 0.9"
            lines.append(f"UNDER {TARGET}: {r['name']}: {reason}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.lighthouse")
    parser.add_argument("--keep", type=Path, help="keep each page's Lighthouse JSON here")
    parser.add_argument("--only", nargs="*", help="page names to run (as in the table)")
    args = parser.parse_args(argv)
    if shutil.which("npm") is None:
        print("npm is needed to install Lighthouse", file=sys.stderr)
        return 1
    record = run(args.keep, args.only)
    print(table(record))
    return 0 if record["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
