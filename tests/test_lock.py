"""The locks `make run` and `make test` install from (requirements/*.txt) match pyproject.toml,
and this environment holds exactly the versions they pin."""

from __future__ import annotations

import importlib.util
import re
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def load_lock_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lock", ROOT / "scripts" / "lock.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lock = load_lock_script()


pins = lock.pinned


def test_the_locks_were_compiled_from_this_pyproject() -> None:
    stale = [str(p.relative_to(ROOT)) for p in lock.stale_locks()]
    assert not stale, f"pyproject.toml's dependencies changed: run `make lock` ({stale})"


def test_a_dependency_change_makes_the_locks_stale(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    text = (ROOT / "pyproject.toml").read_text()
    pyproject.write_text(text + "\n# a comment changes nothing\n")
    assert lock.dependencies_hash(pyproject) == lock.dependencies_hash()
    pyproject.write_text(text.replace("dependencies = [\n", 'dependencies = [\n  "six",\n', 1))
    assert lock.dependencies_hash(pyproject) != lock.dependencies_hash()


def test_every_pin_is_hashed_and_run_agrees_with_test() -> None:
    run, test = pins(lock.RUN_LOCK), pins(lock.TEST_LOCK)
    assert {"starlette", "psycopg", "psycopg-binary", "sqlalchemy"} <= run.keys()
    assert {"pytest", "playwright"} <= test.keys() - run.keys()
    assert {name: test.get(name) for name in run} == run, "run.txt must pin what was tested"
    for path in (lock.RUN_LOCK, lock.TEST_LOCK):
        entries = re.split(r"\n(?=[A-Za-z0-9])", path.read_text().split("\n\n")[-1])
        unhashed = [e.split()[0] for e in entries if "==" in e and "--hash=sha256:" not in e]
        assert not unhashed, f"{path.name}: no hash for {unhashed}"


def test_this_environment_has_exactly_the_tested_versions() -> None:
    wrong = {}
    for name, pinned in pins(lock.TEST_LOCK).items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = "missing"
        if installed != pinned:
            wrong[name] = f"{installed}, lock says {pinned}"
    assert not wrong, f"not what the lock pins (run `make test` to reinstall): {wrong}"
    extra = lock.unlocked_packages(lock.TEST_LOCK)
    assert not extra, f"installed but not in the lock (`make test` removes them): {extra}"


def test_the_check_command_fails_on_a_stale_lock(tmp_path: Path, monkeypatch) -> None:
    stale = tmp_path / "run.txt"
    stale.write_text("# pyproject-dependencies-sha256: 0000\nsix==1.17.0\n")
    monkeypatch.setattr(lock, "RUN_LOCK", stale)
    monkeypatch.setattr(sys, "argv", ["lock.py", "--check"])
    assert lock.main() == 1
