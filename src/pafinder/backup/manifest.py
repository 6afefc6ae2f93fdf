"""manifest.json: what a backup holds and how to tell that it is whole.

The checksums find a truncated, damaged or edited copy; they are not a signature (whoever can
change the dump can change the manifest), so keep backups where only operators can write.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FORMAT = 1
MANIFEST = "manifest.json"
KINDS = ("sqlite", "postgresql")
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# Copied files keep plain names in one folder: nothing in a manifest may point outside DIR.
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")


class BackupError(Exception):
    """A backup cannot be made, or a restore is refused (the message says why, plainly)."""


@dataclass(frozen=True)
class Manifest:
    kind: str
    revisions: list[str]
    created_at: str
    tables: dict[str, int]
    dump: str
    dump_sha256: str
    dump_bytes: int
    # Files from the data dir that the database cannot rebuild: "outbox/NAME" -> sha256.
    files: dict[str, str] = field(default_factory=dict)
    format: int = FORMAT

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def now_utc() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write(folder: Path, manifest: Manifest) -> None:
    """Written last and renamed into place: a folder without a manifest is no backup."""
    temporary = folder / f".{MANIFEST}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(asdict(manifest), file, indent=2, sort_keys=True)
        file.write("\n")
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, folder / MANIFEST)


def read(folder: Path) -> Manifest:
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} holds no backup: {MANIFEST} is missing")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BackupError(f"{path} is damaged: it is not readable JSON") from None
    if not isinstance(data, dict):
        raise BackupError(f"{path} is damaged: it is not a manifest")
    if data.get("format") != FORMAT:
        raise BackupError(
            f"{path} is in backup format {data.get('format')!r}; this release reads format {FORMAT}"
        )
    return _checked(path, data)


def _checked(path: Path, data: dict[str, Any]) -> Manifest:
    def bad(what: str) -> BackupError:
        return BackupError(f"{path} is damaged: {what}")

    kind = data.get("kind")
    if kind not in KINDS:
        raise bad("unknown database kind")
    if data.get("dump") != DUMP_NAMES[kind]:
        raise bad("unexpected dump file name")
    revisions, tables, files = data.get("revisions"), data.get("tables"), data.get("files", {})
    if not isinstance(revisions, list) or not all(isinstance(r, str) for r in revisions):
        raise bad("revisions must be a list of names")
    if not isinstance(tables, dict) or not all(
        isinstance(k, str) and type(v) is int and v >= 0 for k, v in tables.items()
    ):
        raise bad("tables must map names to row counts")
    if not isinstance(files, dict) or not all(_safe_file(k, v) for k, v in files.items()):
        raise bad("files must map outbox/NAME to checksums")
    sha, size, created = data.get("dump_sha256"), data.get("dump_bytes"), data.get("created_at")
    if not isinstance(sha, str) or type(size) is not int or not isinstance(created, str):
        raise bad("the dump's checksum, size or creation time is missing")
    return Manifest(kind, revisions, created, tables, data["dump"], sha, size, files)


def _safe_file(name: object, sha: object) -> bool:
    if not isinstance(name, str) or not isinstance(sha, str):
        return False
    folder, _, base = name.partition("/")
    return folder == "outbox" and bool(SAFE_NAME.match(base))


def verify(folder: Path, manifest: Manifest) -> None:
    """Every file the manifest names is there, whole and unchanged; raises BackupError."""
    dump = folder / manifest.dump
    if not dump.is_file():
        raise BackupError(f"{dump} is missing")
    if dump.stat().st_size != manifest.dump_bytes:
        raise BackupError(
            f"{dump} is {dump.stat().st_size} bytes, the manifest says {manifest.dump_bytes}: "
            "the backup is truncated or was changed"
        )
    if sha256_file(dump) != manifest.dump_sha256:
        raise BackupError(f"{dump} does not match its checksum: the backup is damaged or changed")
    for name, sha in manifest.files.items():
        path = folder / name
        if not path.is_file() or sha256_file(path) != sha:
            raise BackupError(f"{path} is missing or does not match its checksum")
