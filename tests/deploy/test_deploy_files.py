"""deploy/ as shipped: the nginx configuration is exactly what `pafinder nginx-config` makes
from this code (so it cannot drift from the routes or the CSP) and nginx accepts it; the systemd
units pass `systemd-analyze verify`, run commands that exist, and every scheduled command has a
timer."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pafinder.cli import main
from pafinder.nodes import jobs
from tests.conftest import REAL_CONTENT, ROOT

# What a database changes is not what these check: the PostgreSQL run leaves them out.
pytestmark = pytest.mark.database_independent

DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("pafinder*"))
VENV_PAFINDER = "/srv/pafinder/.venv/bin/pafinder"


def generated(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PAFINDER_CONTENT_DIR", str(REAL_CONTENT))
    monkeypatch.delenv("PAFINDER_MAX_BODY_BYTES", raising=False)
    result = CliRunner().invoke(main, ["nginx-config"])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_shipped_nginx_configuration_is_what_the_code_generates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shipped = (DEPLOY / "nginx" / "pafinder.conf").read_text()
    assert shipped == generated(monkeypatch), (
        "deploy/nginx/pafinder.conf is out of date: run "
        "`PAFINDER_CONTENT_DIR=content pafinder nginx-config > deploy/nginx/pafinder.conf`"
    )


def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "nginx is missing: `make system-packages` installs it"
    server = (DEPLOY / "nginx" / "pafinder.conf").read_text()
    (tmp_path / "pafinder.conf").write_text(server)  # nginx -t parses; it binds nothing
    (tmp_path / "nginx.conf").write_text(
        f"""pid {tmp_path / "nginx.pid"};
error_log {tmp_path / "error.log"};
events {{}}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    include {tmp_path / "pafinder.conf"};
}}
"""
    )
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


def exec_lines(unit: Path) -> list[str]:
    return [
        line.split("=", 1)[1].lstrip("-")
        for line in unit.read_text().splitlines()
        if line.startswith("ExecStart=")
    ]


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: `make system-packages` installs systemd"
    # Verified as installed on this machine: the venv's own pafinder, the settings file optional.
    for unit in UNITS:
        text = unit.read_text().replace(VENV_PAFINDER, str(ROOT / ".venv" / "bin" / "pafinder"))
        text = text.replace("EnvironmentFile=/etc/", "EnvironmentFile=-/etc/")
        (tmp_path / unit.name).write_text(text)
    names = [u.name.replace("@.service", "@8001.service") for u in UNITS]
    verified = subprocess.run(
        [analyze, "verify", "--man=no", *names], cwd=tmp_path, capture_output=True, text=True
    )
    assert verified.returncode == 0 and not verified.stderr.strip(), verified.stderr


def test_every_unit_runs_a_real_command_and_every_scheduled_one_has_a_timer() -> None:
    run: set[str] = set()
    for unit in UNITS:
        for line in exec_lines(unit):
            program, command = line.split()[:2]
            assert program == VENV_PAFINDER, line
            assert command in main.commands, f"{unit.name}: no command {command}"
            run.add(command)
    assert set(jobs.SCHEDULED) <= run, f"no timer runs {set(jobs.SCHEDULED) - run}"
    for timer in (u for u in UNITS if u.suffix == ".timer"):
        assert (timer.with_suffix(".service")).exists(), f"{timer.name} has no service"
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.read_string(timer.read_text())
        assert re.search(r"Europe/London|\*:0/5", parser["Timer"]["OnCalendar"]), timer.name
