"""Pin every installed package: requirements/run.txt and requirements/test.txt, with hashes.

`make lock` runs this after a change to pyproject.toml's dependencies; `make run` and `make test`
install from these files only, so a fresh machine gets exactly what was tested (an unpinned
upgrade once turned every multipart POST into a 500).

Each lock records a hash of the dependency lists it was compiled from. `--check` (and
tests/test_lock.py) fails when pyproject.toml changed without `make lock`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
RUN_LOCK = ROOT / "requirements" / "run.txt"
TEST_LOCK = ROOT / "requirements" / "test.txt"
HEADER = "# pyproject-dependencies-sha256: "


def dependencies_hash(pyproject: Path = PYPROJECT) -> str:
    """Hash of what pip-compile reads: requires-python, dependencies and the test extra.

    Parsed with tomllib so comments and formatting in pyproject.toml do not count."""
    project = tomllib.loads(pyproject.read_text())["project"]
    wanted = {
        "requires-python": project.get("requires-python", ""),
        "dependencies": project.get("dependencies", []),
        "test": project.get("optional-dependencies", {}).get("test", []),
    }
    return hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()


def recorded_hash(lock: Path) -> str | None:
    if not lock.exists():
        return None
    for line in lock.read_text().splitlines():
        if line.startswith(HEADER):
            return line.removeprefix(HEADER).strip()
    return None


def stale_locks() -> list[Path]:
    """The lock files that were not compiled from the current pyproject.toml."""
    current = dependencies_hash()
    return [lock for lock in (RUN_LOCK, TEST_LOCK) if recorded_hash(lock) != current]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(lock: Path) -> dict[str, str]:
    """name -> version for every package a lock pins."""
    found = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", lock.read_text(), re.M)
    return {_normal(name): version for name, version in found}


def unlocked_packages(lock: Path) -> list[str]:
    """Packages installed in this environment that the lock does not pin (left over from an
    older lock): they could hide a dependency the lock has lost. pip and our own package are
    not in the lock by design."""
    keep = {*pinned(lock), "pip", "pafinder"}
    installed = {_normal(d.metadata["Name"]) for d in metadata.distributions()}
    return sorted(installed - keep)


def remove_unlocked(lock: Path) -> None:
    extra = unlocked_packages(lock)
    if extra:
        command = [sys.executable, "-m", "pip", "uninstall", "--quiet", "--yes", *extra]
        subprocess.run(command, check=True)  # noqa: S603 - our own fixed command


def _compile(output: Path, *extra: str) -> None:
    before = dependencies_hash()
    # Old pins are kept (no --upgrade), so a lock run changes only what pyproject.toml changed.
    command = [
        sys.executable,
        "-m",
        "piptools",
        "compile",
        "--quiet",
        "--generate-hashes",
        "--strip-extras",
        "--allow-unsafe",
        "--no-emit-index-url",
        "--no-emit-find-links",
        "--output-file",
        str(output.relative_to(ROOT)),
        *extra,
        "pyproject.toml",
    ]
    env = {**os.environ, "CUSTOM_COMPILE_COMMAND": "make lock"}  # named in the lock's header
    subprocess.run(command, cwd=ROOT, env=env, check=True)  # noqa: S603 - our own fixed command
    if dependencies_hash() != before:
        raise SystemExit("pyproject.toml changed while locking: run `make lock` again")
    # The hash of what was compiled heads the file, above pip-compile's own header.
    output.write_text(f"{HEADER}{before}\n{output.read_text()}")


def lock() -> None:
    RUN_LOCK.parent.mkdir(exist_ok=True)
    _compile(TEST_LOCK, "--extra", "test")
    # The runtime lock is constrained by the test lock: `make run` gets the very versions the
    # suite ran against, never a different resolution of the shared packages.
    _compile(RUN_LOCK, "--constraint", str(TEST_LOCK.relative_to(ROOT)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a lock is out of date")
    parser.add_argument(
        "--remove-unlocked",
        type=Path,
        metavar="LOCK",
        help="uninstall the packages that LOCK does not pin from this environment",
    )
    args = parser.parse_args()
    if args.remove_unlocked:
        remove_unlocked(args.remove_unlocked)
        return 0
    if args.check:
        stale = stale_locks()
        for path in stale:
            print(f"{path.name} is out of date with pyproject.toml: run `make lock`")
        return 1 if stale else 0
    lock()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
